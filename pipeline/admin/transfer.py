"""`hotline migrate --to URL`: move a street office up to the district's shared server."""

from __future__ import annotations

from pipeline.errors import ConfigError
from pipeline.home import Home
from pipeline.store import open_store
from pipeline.store.transfer import Verification, copy_store


def migrate_home(home: Home, url: str) -> Verification:
    """Copy the home's own orders into the store at `url`, as the home's office; verified.

    The home's store lock is held meanwhile, so no verb or run changes it halfway."""
    if url.strip() == home.config.database_url:
        raise ConfigError("目标数据库就是本工作目录正在使用的数据库，无需迁移。")
    with home.writing("hotline migrate") as source:
        target = open_store(url, office=home.config.office_name)
        try:
            return copy_store(source, target)
        finally:
            target.close()
