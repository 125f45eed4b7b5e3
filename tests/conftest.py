"""Shared fixtures: homes in temporary folders, sample files from the project's generator."""

from __future__ import annotations

import json
import os
import random
import shutil
import time
from datetime import date, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import Any

import pytest
import time_machine
from click.testing import CliRunner, Result

from pipeline.cli import main
from pipeline.cli.console import fit_encoding
from pipeline.demo.samples import LAYOUTS, _table, write_pdf, write_xlsx
from pipeline.model import IncomingOrder

CONSOLE_ENCODING = (os.environ.get("PYTHONIOENCODING") or "utf-8").split(":")[0]



def shown(text: str) -> str:
    """`text` as the test console shows it (✓ is √ on a GBK console)."""
    return fit_encoding(text, CONSOLE_ENCODING)


AS_OF = date(2026, 11, 27)
# The scenario tests live on the evening of AS_OF: the clerk's verbs, forms and folders take
# their "now" from the package's clock, which these tests set (tick: the clock runs on).
SCENARIO_NOW = datetime.combine(AS_OF, clock_time(18, 0))

# The three orders of the district's two sample exports (one .xlsx, one PDF printout).
SEED_ORDERS = [
    IncomingOrder(order_no="20261103000101", caller="周先生", call_time="2026-11-03T08:12:00",
                  address="天目西路100弄5号302室", phone="13900001111",
                  dispatch_time="2026-11-03T10:20:00", from_unit="闸北区人民政府",
                  priority="普通", kind="一般", category="投诉",
                  content="来电人反映：楼下商铺夜间卸货噪声扰民，要求处理。"),
    IncomingOrder(order_no="20261104000102", caller="吴女士", call_time="2026-11-04T19:40:00",
                  address="长安路8号", phone="02156001234", dispatch_time="2026-11-05T09:00:00",
                  from_unit="闸北区人民政府", priority="普通", kind="一般", category="咨询",
                  content="来电人咨询：社区食堂的开放时间和就餐办法。"),
    IncomingOrder(order_no="20261106000103", caller="郑先生", call_time="2026-11-06T22:30:00",
                  address="恒丰路66号", phone="13700002222", dispatch_time="2026-11-06T23:05:00",
                  from_unit="闸北区人民政府", priority="紧急", kind="夜间特殊", category="投诉",
                  content="来电人反映：道路施工深夜作业，噪声很大，要求立即停止。"),
]


def write_seed_samples(folder: Path) -> list[Path]:
    """The district's two simple exports: the same three orders as .xlsx and as PDF."""
    folder.mkdir(parents=True, exist_ok=True)
    xlsx = folder / "sample_export.xlsx"
    pdf = folder / "sample_printout.pdf"
    rows = _table(SEED_ORDERS, "seed", "iso", random.Random(0), extra=False)
    # keep the plain forms: no full-width variants in this simple export
    for row, order in zip(rows[1:], SEED_ORDERS, strict=True):
        row[list(LAYOUTS["seed"]).index("order_no")] = order.order_no
        row[list(LAYOUTS["seed"]).index("phone")] = order.phone
        row[list(LAYOUTS["seed"]).index("kind")] = order.kind
    write_xlsx(xlsx, rows)
    write_pdf(pdf, SEED_ORDERS)
    return [xlsx, pdf]


def age(path: Path, seconds: float = 3600) -> None:
    """Make a file look as if it had been dropped a while ago (stable, not being written)."""
    past = time.time() - seconds
    os.utime(path, (past, past))


def drop(home: Path, *files: Path) -> list[Path]:
    """Copy files into a home's inbox, as a clerk would, already settled."""
    inbox = home / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    out = []
    for f in files:
        target = inbox / f.name
        shutil.copyfile(f, target)
        age(target)
        out.append(target)
    return out


def make_home(path: Path) -> Path:
    """A home made the way a clerk makes one: `hotline init FOLDER` (idempotent)."""
    result = CliRunner(charset=CONSOLE_ENCODING).invoke(main, ["init", str(path)],
                                                         catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return path


class Hotline:
    """Runs `hotline --home H …` through CliRunner and decodes JSON output.

    The home is made with `hotline init` unless it is one already (or `init=False`: a test of
    what happens in a folder that is not a home)."""

    def __init__(self, home: Path, *, init: bool = True) -> None:
        self.home = home
        # The console's encoding as the environment sets it: CI runs the CLI tests again with
        # PYTHONIOENCODING=gbk, what a Windows console on code page 936 does.
        self.runner = CliRunner(charset=CONSOLE_ENCODING)
        if init and not (home / "hotline.toml").exists():
            make_home(home)

    def __call__(self, *args: str, input: str | None = None) -> Result:
        return self.runner.invoke(main, ["--home", str(self.home), *args], input=input,
                                  catch_exceptions=False)

    def json(self, *args: str) -> Any:
        result = self(*args, "--json")
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    def orders(self, as_of: date = AS_OF) -> list[dict[str, Any]]:
        return self.json("list", "--as-of", as_of.isoformat())

    def run(self, as_of: date = AS_OF) -> Result:
        return self("run", "--as-of", as_of.isoformat())


# HOTLINE_TEST_DATABASE_URL (a PostgreSQL URL, see README and .ci/pg-start): every home a test
# makes with `hotline init` uses that server, in a schema of its own for each test, so that
# xdist workers and tests never see each other's orders.
PG_URL = os.environ.get("HOTLINE_TEST_DATABASE_URL", "")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if PG_URL:
        skip = pytest.mark.skip(reason="about the SQLite file; this run is on PostgreSQL")
        for item in items:
            if "sqlite_file" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(autouse=True)
def test_database(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The database URL of this test's homes: SQLite in the home, or its own PG schema."""
    if not PG_URL:
        yield None
        return
    import uuid  # noqa: PLC0415

    from sqlalchemy import create_engine, text  # noqa: PLC0415

    import pipeline.home  # noqa: PLC0415

    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {name}"))
    url = f"{PG_URL}&options=-csearch_path%3D{name}"
    config = pipeline.home.DEFAULT_CONFIG.replace(
        'url = "sqlite:///hotline.db"', f'url = "{url}"')
    assert config != pipeline.home.DEFAULT_CONFIG
    monkeypatch.setattr(pipeline.home, "DEFAULT_CONFIG", config)
    yield url
    with admin.connect() as conn:
        conn.execute(text("SET lock_timeout = '5s'"))
        conn.execute(text(f"DROP SCHEMA {name} CASCADE"))
    admin.dispose()


@pytest.fixture(autouse=True)
def no_libreoffice_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """Converting to PDF takes seconds a run: only the printing tests ask for it."""
    monkeypatch.setenv("HOTLINE_SOFFICE", "")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A fresh home, made by `hotline init`."""
    return make_home(tmp_path / "home")


@pytest.fixture
def scenario_clock() -> Any:
    """The package's clock set to the scenario's evening, whatever the day the suite runs."""
    with time_machine.travel(SCENARIO_NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def hotline(home: Path, scenario_clock: Any) -> Hotline:
    """The CLI in a fresh home, on the scenario's day (AS_OF)."""
    return Hotline(home)


@pytest.fixture
def hotline_today(home: Path) -> Hotline:
    """The CLI in a fresh home on the real day: for tests that must hold on any day
    (CI runs the suite again under faketime on hard days)."""
    return Hotline(home)


@pytest.fixture
def seed_files(tmp_path: Path) -> list[Path]:
    return write_seed_samples(tmp_path / "district")
