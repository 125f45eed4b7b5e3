"""`hotline`: the command line. Parses options, calls the library, prints Chinese.

No business logic here: every command is a few lines over a library function, and the
library's own exceptions (HotlineError) become a clear message and an exit status. Commands
are listed in the order of the day's work, each loaded when it is used.
"""

from __future__ import annotations

from pipeline.cli.app import main

main.lazy.update({
    "init": "pipeline.cli.admin:init",
    "run": "pipeline.cli.nightly:run",
    "list": "pipeline.cli.orders:list_orders",
    "show": "pipeline.cli.orders:show",
    "deadline": "pipeline.cli.orders:deadline",
    "sample": "pipeline.cli.nightly:sample",
    "demo": "pipeline.cli.nightly:demo",
    "calendar": "pipeline.cli.admin:calendar",
    "assign": "pipeline.cli.verbs:assign",
    "contact": "pipeline.cli.verbs:contact",
    "handle": "pipeline.cli.verbs:handle",
    "visit": "pipeline.cli.verbs:visit",
    "extend": "pipeline.cli.verbs:extend",
    "exclude": "pipeline.cli.verbs:exclude",
    "objective": "pipeline.cli.verbs:objective",
    "decide": "pipeline.cli.verbs:decide",
    "close": "pipeline.cli.verbs:close",
    "flag": "pipeline.cli.district:flag",
    "sign": "pipeline.cli.district:sign",
    "return": "pipeline.cli.district:return_order",
    "return-decide": "pipeline.cli.district:return_decide",
    "ask-extension": "pipeline.cli.district:ask_extension",
    "feedback": "pipeline.cli.district:feedback",
    "templates": "pipeline.cli.admin:templates",
    "assess": "pipeline.cli.admin:assess",
    "archive": "pipeline.cli.admin:archive_cmd",
    "doctor": "pipeline.cli.admin:doctor",
    "restore": "pipeline.cli.admin:restore",
    "migrate": "pipeline.cli.admin:migrate",
})

__all__ = ["main"]
