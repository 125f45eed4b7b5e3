"""The batch's speed, measured: `python bench/run.py --orders 10000 [--pdf-share 0.1]`.

Makes N orders with the project's sample generator, runs the real batch in a fresh home (in
a child process, so that its peak memory is its own), and prints the time of each stage,
orders per second and peak memory; then, on the same orders in the same run, a naive
baseline (docxtpl load/render/save per order, openpyxl normal mode) and the ratio.
`--empty-run` instead times a run with an empty inbox over a large store.
`--offices N` runs N street offices' nights at once on one store (`--postgres URL`: a
PostgreSQL server, in a schema of its own made and dropped here; else one SQLite file), each
`--orders` large, and prints each office's time and peak memory, the total, and whether
every office stored exactly its own orders; then, through each street's `hotline list` and a
district home's `hotline assess`, whether each street lists exactly its own orders once and
the district's figures are the sum of the streets' (exit 1 if not).

The last line is always: `orders/s: X  vs naive: R×  peak MB: M`.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

AS_OF = date(2026, 11, 27)
STAGES = ("collect", "read", "store", "deadlines", "documents", "workbooks")


def peak_mb(*, children: bool = False) -> float:
    """Peak resident memory of this process, or of the largest of its ended children."""
    try:
        import resource  # noqa: PLC0415
    except ImportError:  # Windows
        return float("nan")
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    kb = resource.getrusage(who).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / 1024 / 1024


def _batch_child(home: str, queue: Any) -> None:
    os.environ["HOTLINE_SOFFICE"] = ""  # printing is LibreOffice's time, not ours
    from pipeline.batch.run import Batch  # noqa: PLC0415
    from pipeline.home import open_home  # noqa: PLC0415

    opened = open_home(Path(home))
    began = time.perf_counter()
    batch = Batch(opened, AS_OF)
    summary = batch.run()
    total = time.perf_counter() - began
    opened.close()
    queue.put({"timings": batch.timings, "total": total, "peak_mb": peak_mb(),
               "workers_peak_mb": peak_mb(children=True),
               "documents": (summary.documents if isinstance(summary.documents, int)
                             else len(summary.documents)), "new": summary.new,
               "files": len(summary.files)})


def _tree_pss_mb(pid: int) -> float:
    """Proportional memory (PSS: shared pages split among their users) of a process and
    everything it started, in MB (Linux; nan elsewhere)."""
    total_kb, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            rollup = Path(f"/proc/{current}/smaps_rollup").read_text()
        except OSError:
            continue
        total_kb += next((int(line.split()[1]) for line in rollup.splitlines()
                          if line.startswith("Pss:")), 0)
        for task in Path(f"/proc/{current}/task").glob("*"):
            with contextlib.suppress(OSError):
                todo += [int(c) for c in (task / "children").read_text().split()]
    return total_kb / 1024 if sys.platform.startswith("linux") else float("nan")


def run_batch_measured(home: Path) -> dict[str, Any]:
    ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods()
                                      else "spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_batch_child, args=(str(home), queue))
    proc.start()
    tree_peak = 0.0
    while True:  # the whole tree (batch and workers), sampled while it runs
        tree_peak = max(tree_peak, _tree_pss_mb(proc.pid))
        try:
            result = queue.get(timeout=0.1)
            break
        except Exception:  # queue.Empty: still running
            continue
    proc.join()
    result["tree_peak_mb"] = tree_peak
    return result


def naive_documents(home: Path, sample: int) -> tuple[float, int]:
    """docxtpl's own load → render → save per order, on `sample` orders: seconds per doc."""
    from pipeline.deadlines.state import deadlines_for  # noqa: PLC0415
    from pipeline.documents.contexts import transfer_context  # noqa: PLC0415
    from pipeline.documents.engine import TRANSFER_FORM, default_templates_dir, render_with_docxtpl  # noqa: PLC0415
    from pipeline.home import open_home  # noqa: PLC0415

    opened = open_home(home)
    calc = opened.calculator()
    with opened.store().read() as conn:
        rows = opened.store().orders(conn)[:sample]
    template = default_templates_dir() / TRANSFER_FORM
    with tempfile.TemporaryDirectory() as out:
        began = time.perf_counter()
        for i, row in enumerate(rows):
            context = transfer_context(row, deadlines_for(row, calc), opened.config)
            render_with_docxtpl(template, context, Path(out) / f"{i}.docx")
        elapsed = time.perf_counter() - began
    opened.close()
    return elapsed / max(1, len(rows)), len(rows)


def one_core_rendering(home: Path, count: int) -> tuple[float, float]:
    """转送单 per second on one core: rendering alone, and rendering with writing the files."""
    from pipeline.deadlines.state import deadlines_for  # noqa: PLC0415
    from pipeline.documents.contexts import transfer_context  # noqa: PLC0415
    from pipeline.documents.engine import TRANSFER_FORM, PreparedTemplate, default_templates_dir  # noqa: PLC0415
    from pipeline.home import open_home  # noqa: PLC0415
    from pipeline.safety.files import sync_all, write_bytes_atomic  # noqa: PLC0415

    opened = open_home(home)
    calc = opened.calculator()
    with opened.store().read() as conn:
        rows = opened.store().orders(conn)[:count]
    contexts = [transfer_context(r, deadlines_for(r, calc), opened.config) for r in rows]
    template = PreparedTemplate(default_templates_dir() / TRANSFER_FORM)
    began = time.perf_counter()
    for context in contexts:
        template.render(context)
    render_only = len(contexts) / (time.perf_counter() - began)
    with tempfile.TemporaryDirectory() as out:
        began = time.perf_counter()
        for i, context in enumerate(contexts):
            write_bytes_atomic(Path(out) / f"{i}.docx", template.render(context),
                               Path(out) / ".staging", durable=False)
        sync_all()
        with_files = len(contexts) / (time.perf_counter() - began)
    opened.close()
    return render_only, with_files


def naive_ledger(home: Path) -> float:
    """The 台账 written cell by cell in openpyxl's normal mode."""
    from openpyxl import Workbook  # noqa: PLC0415
    from openpyxl.styles import PatternFill  # noqa: PLC0415

    from pipeline.deadlines.state import state_of  # noqa: PLC0415
    from pipeline.home import open_home  # noqa: PLC0415
    from pipeline.workbooks.ledger import COLUMNS  # noqa: PLC0415

    opened = open_home(home)
    calc = opened.calculator()
    with opened.store().read() as conn:
        rows = opened.store().orders(conn)
    began = time.perf_counter()
    wb = Workbook()
    ws = wb.active
    ws.append([c.header for c in COLUMNS])
    red = PatternFill("solid", fgColor="FF0000")
    for r, row in enumerate(rows, 2):
        state = state_of(row, calc, AS_OF)
        for c, column in enumerate(COLUMNS, 1):
            cell = ws.cell(row=r, column=c, value=column.get(state))
            cell.fill = red
    with tempfile.TemporaryDirectory() as out:
        wb.save(Path(out) / "ledger.xlsx")
    opened.close()
    return time.perf_counter() - began


def naive_read(files: list[Path]) -> float:
    """The Excel inputs read in openpyxl's normal (not read-only) mode."""
    import openpyxl  # noqa: PLC0415

    began = time.perf_counter()
    for path in files:
        if path.suffix == ".xlsx":
            book = openpyxl.load_workbook(path)
            for ws in book.worksheets:
                for _ in ws.iter_rows(values_only=True):
                    pass
    return time.perf_counter() - began


def naive_pdf(files: list[Path], sample: int = 60) -> float:
    """pdfplumber's text and tables, page by page on one core: seconds per page."""
    import pdfplumber  # noqa: PLC0415

    pages = 0
    began = time.perf_counter()
    for path in files:
        if path.suffix != ".pdf":
            continue
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages[: sample - pages]:
                page.extract_text()
                page.extract_tables()
                pages += 1
        if pages >= sample:
            break
    return (time.perf_counter() - began) / max(1, pages)


def _one_csv(folder: Path, orders: int, seed: int) -> Any:
    """The whole night in one CSV export (the district's largest file)."""
    import random  # noqa: PLC0415

    from pipeline.demo.samples import OrderMaker, SampleSet, _table, write_csv  # noqa: PLC0415

    maker = OrderMaker(seed, AS_OF)
    made = [maker.order() for _ in range(orders)]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "工单清单_全部.csv"
    write_csv(path, _table(made, "seed", "iso", random.Random(seed), extra=False), "utf-8-sig")
    result = SampleSet()
    result.orders = {o.order_no: o for o in made}
    result.files = [path]
    return result


def _make(folder: Path, orders: int, seed: int, pdf_share: float, one_csv: bool,
          queue: Any) -> None:
    from pipeline.demo.samples import generate  # noqa: PLC0415

    made = (_one_csv(folder, orders, seed) if one_csv else
            generate(folder, orders=orders, seed=seed, as_of=AS_OF, pdf_share=pdf_share))
    queue.put((len(made.orders), [str(p) for p in made.files]))


def _made_apart(folder: Path, orders: int, seed: int, pdf_share: float,
                one_csv: bool) -> tuple[int, list[Path]]:
    """The night's files, made in a process of their own: the batch is forked from this one,
    and a child's peak would count the generator's hundred thousand orders as its own."""
    ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods()
                                      else "spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_make, args=(folder, orders, seed, pdf_share, one_csv, queue))
    proc.start()
    count, files = queue.get()
    proc.join()
    return count, [Path(p) for p in files]


def _new_home(home: Path) -> None:
    try:
        from pipeline.home import init_home  # noqa: PLC0415
    except ImportError:  # a version before explicit homes
        (home / "inbox").mkdir(parents=True)
        return
    init_home(home)


def bench_orders(orders: int, pdf_share: float, seed: int, naive_sample: int,
                 one_csv: bool = False, skip_naive: bool = False) -> None:
    with tempfile.TemporaryDirectory() as work:
        work_path = Path(work)
        began = time.perf_counter()
        home = work_path / "home"
        made_orders, files = _made_apart(work_path / "made", orders, seed, pdf_share, one_csv)
        _new_home(home)
        past = time.time() - 3600
        for path in files:
            copy = home / "inbox" / path.name
            shutil.copyfile(path, copy)
            os.utime(copy, (past, past))
        pages = _pdf_pages(files)
        print(f"made {made_orders} orders in {len(files)} files "
              f"({pages} PDF pages) in {time.perf_counter() - began:.1f} s")
        result = run_batch_measured(home)
        total = result["total"]
        print("stage times (s):")
        for stage in STAGES:
            print(f"  {stage:<10} {result['timings'].get(stage, 0):8.2f}")
        print(f"  {'total':<10} {total:8.2f}")
        rate = made_orders / total
        print(f"documents: {result['documents']}  new orders: {result['new']}  files: {result['files']}")
        if pages:
            print(f"PDF pages/s (read stage): {pages / max(result['timings']['read'], 1e-9):.0f}")
        print(f"largest worker's peak MB: {result['workers_peak_mb']:.0f}  "
              f"whole tree's peak PSS MB (sampled): {result['tree_peak_mb']:.0f}")
        if skip_naive:
            print(f"orders/s: {rate:.0f}  vs naive: n/a  peak MB: {result['peak_mb']:.0f}")
            return
        naive_total = _naive(home, files, pages, result, naive_sample)
        print(f"orders/s: {rate:.0f}  vs naive: {naive_total / total:.1f}×  "
              f"peak MB: {result['peak_mb']:.0f}")


def _naive(home: Path, files: list[Path], pages: int, result: dict[str, Any],
           naive_sample: int) -> float:
    """The naive baseline on the same orders; prints its parts, returns its total."""
    per_doc, sampled = naive_documents(home, naive_sample)
    docs = result["documents"]
    ours_docs = result["timings"]["documents"]
    print(f"documents/s: ours {docs / max(ours_docs, 1e-9):.0f} (batch, both cores), "
          f"docxtpl {1 / per_doc:.0f} (measured on {sampled})")
    alone, written = one_core_rendering(home, min(2000, docs))
    print(f"转送单 on one core: {alone:.0f}/s rendered, {written:.0f}/s rendered and written")
    ledger = naive_ledger(home)
    read = naive_read(files) + (naive_pdf(files) * pages if pages else 0.0)
    shared = result["timings"]["store"] + result["timings"]["deadlines"]
    naive_total = read + shared + per_doc * docs + ledger
    print(f"naive: read {read:.2f} (PDF pages by pdfplumber, extrapolated) + store/deadlines "
          f"{shared:.2f} + documents {per_doc * docs:.2f} (extrapolated) + ledger "
          f"{ledger:.2f} = {naive_total:.2f} s")
    return naive_total


def _pdf_pages(files: list[Path]) -> int:
    import pdfplumber  # noqa: PLC0415

    total = 0
    for path in files:
        if path.suffix == ".pdf":
            with pdfplumber.open(path) as pdf:
                total += len(pdf.pages)
    return total


def bench_empty(store_size: int, open_orders: int) -> None:
    """A run with an empty inbox over a big store: its cost must follow the open orders."""
    from pipeline.home import init_home, open_home  # noqa: PLC0415
    from pipeline.store import schema  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as work:
        home = init_home(Path(work) / "home").home
        opened = open_home(home)
        store = opened.store()
        began = time.perf_counter()
        stamp = "2026-01-01T00:00:00"
        rows = []
        for i in range(store_size):
            is_open = i >= store_size - open_orders
            day = AS_OF.toordinal() - (20 if is_open else 30 + i % 300)
            dispatched = date.fromordinal(day).isoformat() + "T09:00:00"
            rows.append({
                "order_no": f"B{i:09d}", "caller": "某先生", "phone": "13800001111",
                "dispatch_time": dispatched, "kind": "一般", "category": "投诉",
                "content": "来电人反映：噪声扰民。", "status": "办理中" if is_open else "已归档",
                "closed_at": None if is_open else dispatched, "placeholder": False,
                "created_at": stamp, "updated_at": stamp,
            })
            if len(rows) == 5000:
                with store.begin() as conn:
                    conn.execute(schema.orders.insert(), rows)
                rows = []
        if rows:
            with store.begin() as conn:
                conn.execute(schema.orders.insert(), rows)
        opened.close()
        print(f"store of {store_size} orders ({open_orders} open) built in "
              f"{time.perf_counter() - began:.1f} s")
        result = run_batch_measured(home)
        print("stage times (s):")
        for stage in STAGES:
            print(f"  {stage:<10} {result['timings'].get(stage, 0):8.2f}")
        print(f"empty-inbox run: {result['total']:.2f} s")
        print(f"orders/s: {open_orders / result['total']:.0f}  vs naive: n/a  "
              f"peak MB: {result['peak_mb']:.0f}")


def _office_home(home: Path, office: str, url: str) -> None:
    import re  # noqa: PLC0415

    _new_home(home)
    config = home / "hotline.toml"
    text = re.sub(r'(?m)^url = ".*"$', f'url = "{url}"', config.read_text(encoding="utf-8"))
    text = re.sub(r'(?m)^name = ".*?"', f'name = "{office}"', text, count=1)
    config.write_text(text, encoding="utf-8")


def _bench_schema(url: str) -> tuple[str, Any]:
    """A fresh schema on the server for this bench; the URL that uses it, and its dropper."""
    from sqlalchemy import create_engine, text  # noqa: PLC0415

    name = f"bench_{os.getpid()}_{int(time.time())}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {name}"))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {name} CASCADE"))
        admin.dispose()

    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options=-csearch_path%3D{name}", drop


def _stored_by_office(url: str) -> dict[str, int]:
    from sqlalchemy import create_engine, func, select  # noqa: PLC0415

    from pipeline.store import schema  # noqa: PLC0415

    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(select(schema.orders.c.office, func.count())
                            .group_by(schema.orders.c.office)).all()
    engine.dispose()
    return {office: count for office, count in rows}


def bench_offices(offices: int, orders: int, postgres: str | None, seed: int,
                  pdf_share: float) -> bool:
    """N offices' nights at once; True when every office stored and lists exactly its own and
    the district's figures are the sum of the streets'."""
    from pipeline.demo.samples import generate  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as work:
        work_path = Path(work)
        url, drop = (_bench_schema(postgres) if postgres else
                     (f"sqlite:///{(work_path / 'district.db').as_posix()}", lambda: None))
        from pipeline.store import open_store  # noqa: PLC0415

        open_store(url).close()  # the shared SQLite file exists before any home uses it
        try:
            names = [f"第{i + 1:02d}街道办事处" for i in range(offices)]
            homes, made, numbers = [], {}, {}
            for i, name in enumerate(names):
                home = work_path / f"office{i + 1:02d}"
                _office_home(home, name, url)
                night = generate(work_path / f"made{i + 1:02d}", orders=orders, seed=seed + i,
                                 as_of=AS_OF, pdf_share=pdf_share, variations=False,
                                 serial_from=100 + i * 50_000)
                past = time.time() - 3600
                for path in night.files:
                    copy = home / "inbox" / path.name
                    shutil.copyfile(path, copy)
                    os.utime(copy, (past, past))
                homes.append(home)
                made[name] = len(night.orders)
                numbers[name] = set(night.orders)
            print(f"{offices} offices × {orders} orders on "
                  f"{'PostgreSQL' if postgres else 'one SQLite file'}, all at once")
            began = time.perf_counter()
            results = run_batches_measured(homes)
            wall = time.perf_counter() - began
            stored = _stored_by_office(url)
            _print_offices(names, results, wall, made, stored)
            exact = all(stored.get(n, 0) == made[n] for n in names) and set(stored) <= set(names)
            return _check_views(work_path, url, dict(zip(names, homes, strict=True)), numbers) \
                and exact
        finally:
            drop()


def _hotline_json(home: Path, *args: str) -> Any:
    import json  # noqa: PLC0415
    import subprocess  # noqa: PLC0415

    done = subprocess.run([sys.executable, "-m", "pipeline", "--home", str(home), *args,
                           "--as-of", AS_OF.isoformat(), "--json"], capture_output=True,
                          check=True, text=True, encoding="utf-8",
                          env={**os.environ, "PYTHONIOENCODING": "utf-8"})  # whatever the console
    return json.loads(done.stdout)


def _check_views(work: Path, url: str, homes: dict[str, Path],
                 numbers: dict[str, set[str]]) -> bool:
    """After the night, through each home's own `hotline list` and a district home's
    `hotline assess`: every street lists exactly the orders it was sent, each once; the
    district sees every street, and its figures are the sum of the streets'."""
    import re  # noqa: PLC0415

    exact = 0
    for name, home in homes.items():
        listed = [o["order_no"] for o in _hotline_json(home, "list")]
        exact += len(listed) == len(set(listed)) and set(listed) == numbers[name]
    district = work / "district"
    _office_home(district, "区12345热线办", url)
    config = district / "hotline.toml"
    config.write_text(re.sub(r'(?m)^scope = ".*"$', 'scope = "district"',
                             config.read_text(encoding="utf-8")), encoding="utf-8")
    everything = [o["order_no"] for o in _hotline_json(district, "list")]
    figures = _hotline_json(district, "assess", "--month", f"{AS_OF:%Y-%m}")
    streets = {s["name"]: s for s in figures["streets"]}
    keys = ("received", "counted", "contact_due", "contact_on_time", "handling_due",
            "handled_on_time", "overdue", "reminded")
    summed = all(figures["total"][k] == sum(s[k] for s in streets.values()) for k in keys)
    shown = ", ".join(f"{k} {figures['total'][k]}" for k in keys[:3])
    print(f"views: {exact}/{len(homes)} streets list exactly their own orders, each once; the "
          f"district lists {len(everything)} ({len(set(everything))} distinct) of "
          f"{sum(len(n) for n in numbers.values())} sent, ranks {len(streets)} streets; "
          f"district figures {'equal' if summed else 'DO NOT equal'} the sum of the streets' "
          f"({shown})")
    return summed and exact == len(homes) and len(streets) == len(homes) \
        and sorted(everything) == sorted(set().union(*numbers.values()))


def run_batches_measured(homes: list[Path]) -> list[dict[str, Any]]:
    """Every home's batch in its own process, started together; the whole set's memory
    (every batch and its workers) sampled while they run."""
    ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods()
                                      else "spawn")
    queues = [ctx.Queue() for _ in homes]
    procs = [ctx.Process(target=_batch_child, args=(str(h), q)) for h, q in zip(homes, queues, strict=True)]
    for proc in procs:
        proc.start()
    results: list[dict[str, Any] | None] = [None] * len(homes)
    together = 0.0
    while any(r is None for r in results):
        together = max(together, sum(_tree_pss_mb(p.pid) for p in procs if p.is_alive()))
        for i, queue in enumerate(queues):
            if results[i] is None:
                with contextlib.suppress(Exception):
                    results[i] = queue.get(timeout=0.05)
    for proc in procs:
        proc.join()
    for result in results:
        assert result is not None
        result["together_pss_mb"] = together
    return [r for r in results if r is not None]


def _print_offices(names: list[str], results: list[dict[str, Any]], wall: float,
                   made: dict[str, int], stored: dict[str, int]) -> None:
    print(f"{'office':<14} {'new':>6} {'stored':>7} {'time s':>8} {'peak MB':>8} {'workers MB':>10}")
    for name, result in zip(names, results, strict=True):
        print(f"{name:<14} {result['new']:>6} {stored.get(name, 0):>7} {result['total']:>8.1f} "
              f"{result['peak_mb']:>8.0f} {result['workers_peak_mb']:>10.0f}")
    exact = all(stored.get(n, 0) == made[n] for n in names) and set(stored) <= set(names)
    print(f"total: {sum(made.values())} orders made, {sum(stored.values())} stored "
          f"({'each office exactly its own' if exact else 'MISMATCH'}); wall {wall:.1f} s; "
          f"largest process peak MB {max(r['peak_mb'] for r in results):.0f}; all processes "
          f"together, peak PSS MB (sampled) {results[0]['together_pss_mb']:.0f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--pdf-share", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--naive-sample", type=int, default=200,
                        help="orders rendered with plain docxtpl to time the naive baseline")
    parser.add_argument("--one-csv", action="store_true",
                        help="the whole night in one CSV file instead of the sample set")
    parser.add_argument("--skip-naive", action="store_true", help="only the batch's own figures")
    parser.add_argument("--empty-run", action="store_true")
    parser.add_argument("--store", type=int, default=100_000)
    parser.add_argument("--open", type=int, default=5_000)
    parser.add_argument("--offices", type=int, default=0,
                        help="N street offices' nights at once on one store, --orders each")
    parser.add_argument("--postgres", metavar="URL",
                        help="with --offices: the PostgreSQL server (a schema of its own)")
    args = parser.parse_args()
    if args.offices:
        if not bench_offices(args.offices, args.orders, args.postgres, args.seed,
                             args.pdf_share):
            print("MISMATCH: see the lines above", file=sys.stderr)
            return 1
    elif args.empty_run:
        bench_empty(args.store, args.open)
    else:
        bench_orders(args.orders, args.pdf_share, args.seed, args.naive_sample, args.one_csv,
                     args.skip_naive)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
