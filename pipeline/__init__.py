"""北站街道 12345 市民服务热线工单处理 (the 12345 hotline work-order pipeline).

Stages follow the office's rules: 受理 intake, 处置 routing, 办理 handling, 督办 supervision,
回访 follow-up, then 归档 archiving.
"""

from __future__ import annotations

__version__ = "0.1.0"
