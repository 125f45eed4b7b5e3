"""The store: SQLAlchemy Core over SQLite by default, any SQL server by URL."""

from __future__ import annotations

from pipeline.store.db import Store, open_store

__all__ = ["Store", "open_store"]
