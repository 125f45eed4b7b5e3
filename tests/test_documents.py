"""Documents: the 转送单 carries every field, prints hostile text literally, matches
docxtpl's own rendering; the Annex 3 / 4 forms; a returned 转送单 updates its order."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import docx
import pytest
from conftest import AS_OF, SEED_ORDERS, Hotline, drop

from pipeline.config import load_config
from pipeline.deadlines.state import deadlines_for
from pipeline.demo.samples import LAYOUTS, generate
from pipeline.documents.contexts import transfer_context
from pipeline.documents.engine import (
    EXCLUDE_FORM,
    OBJECTIVE_FORM,
    TRANSFER_FORM,
    PreparedTemplate,
    default_templates_dir,
    render_with_docxtpl,
)
from pipeline.home import open_home
from pipeline.intake.returned import form_fields
from pipeline.text import show_time

DAY = AS_OF.isoformat()
SOFFICE = shutil.which("soffice")


def transfer_of(home: Path, number: str, suffix: str = "") -> dict[str, str]:
    path = home / "outbox" / DAY / "转送单" / f"{number}{suffix}.docx"
    return form_fields(docx.Document(str(path)))


def body_text(document: Any) -> list[str]:
    texts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            texts += [c.text for c in row.cells]
    return texts


# -- every field --------------------------------------------------------------------------

def test_every_field_reads_back_from_the_transfer_form(tmp_path: Path) -> None:
    made = generate(tmp_path / "made", orders=24, seed=21, as_of=AS_OF)
    home = tmp_path / "home"
    drop(home, *made.files)
    hotline = Hotline(home)
    hotline.run()
    orders = hotline.orders()
    assert len(orders) >= 24
    for order in orders:
        placeholder = any("仅凭催单" in f for f in order["flags"])
        form = transfer_of(home, order["order_no"], "-催单1" if placeholder else "")
        assert form["工单编号"] == order["order_no"]
        assert form["来电人"] == order["caller"]
        assert form["来电日期"] == show_time(order["call_time"])
        assert form["述求地址"] == order["address"]
        assert form["联系电话"] == order["phone"]
        assert form["转交日期"] == show_time(order["dispatch_time"])
        assert form["转交办公单位"] == order["from_unit"]
        assert form["转交办文号"] == order["doc_no"]
        assert form["是否催单"] == ("催单" if placeholder else "转送单")
        assert form["工单优先级"] == order["priority"]
        assert form["来电内容"] == order["content"]
        deadline = form["办理回复期限"]
        petition = order["kind"] == "信访"  # its limit comes from the regulation, not Annex 1
        assert ("《信访工作条例》" if petition else "北站街道工作细则 附件1") in deadline
        assert petition != ("附件1" in deadline)
        assert order["due"]["red"] in deadline
        assert order["due"]["first_contact"] in deadline
        limit = "60日" if order["kind"] == "信访" else "个工作日"
        assert limit in deadline
        assert f"工单类型：{order['kind']}工单" in form["备注"]
        if order["provisional"]:
            assert "暂定" in deadline
        for box in ("实际解决", "解释说明", "参考备案", "述求过高", "未解决"):
            assert f"□ {box}" in form["是否解决"]


def test_reissued_forms_are_marked(tmp_path: Path) -> None:
    made = generate(tmp_path / "made", orders=12, seed=4, as_of=AS_OF)
    home = tmp_path / "home"
    drop(home, *made.files)
    Hotline(home).run()
    reminded = made.reminders[0].order_no
    form = transfer_of(home, reminded, "-催单1")
    assert form["是否催单"] == "催单"
    assert "第1次催单" in form["备注"]
    title = docx.Document(str(home / "outbox" / DAY / "转送单" / f"{reminded}-催单1.docx"))
    assert title.paragraphs[0].text == "“12345”市民服务热线转送单（催单）"


# -- hostile text ---------------------------------------------------------------------------

HOSTILE = [
    "A&B <便利店> \"引号\" '单引号' &amp; &lt;",
    "{{ 来电人 }} {% for x in range(9) %}{{ x }}{% endfor %} {{ 7*7 }} {# note #}",
    "]]></w:t></w:r><w:r><w:t>注入</w:t></w:r> <?xml version='1.0'?>",
    "表情😀🎉 和生僻字𠀀𪚥",
    "第一行\n第二行\t制表\n\n第四行",
    "很长的内容。" * 1500,
    "=cmd|' /C calc'!A0 +1-1 @SUM(A1)",
]
CONTROL = "控制字符\x01\x08\x0b\x0c\x1a\x1f\x7f结束"


def csv_with(folder: Path, contents: list[str]) -> Path:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf)
    keys = list(LAYOUTS["seed"])
    writer.writerow(LAYOUTS["seed"].values())
    for i, content in enumerate(contents):
        values = {k: getattr(SEED_ORDERS[0], k) for k in keys}
        values.update(order_no=f"20261120{i:06d}", content=content, is_reminder="转送单")
        writer.writerow([values[k] for k in keys])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "hostile.csv"
    path.write_bytes(buf.getvalue().encode("utf-8"))
    return path


def test_hostile_text_prints_literally(tmp_path: Path) -> None:
    home = tmp_path / "home"
    drop(home, csv_with(tmp_path / "in", [*HOSTILE, CONTROL]))
    result = Hotline(home).run()
    assert result.exit_code == 0, result.output
    for i, text in enumerate(HOSTILE):
        assert transfer_of(home, f"20261120{i:06d}")["来电内容"] == text
    assert transfer_of(home, f"20261120{len(HOSTILE):06d}")["来电内容"] == "控制字符结束"


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed here")
def test_hostile_documents_open_in_libreoffice(tmp_path: Path) -> None:
    import pdfplumber  # noqa: PLC0415

    home = tmp_path / "home"
    drop(home, csv_with(tmp_path / "in", HOSTILE[:5]))
    Hotline(home).run()
    out = tmp_path / "pdf"
    docs = sorted((home / "outbox" / DAY / "转送单").glob("*.docx"))
    subprocess.run([SOFFICE, f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(out), *map(str, docs)],
                   check=True, capture_output=True, timeout=300)
    # what each printed page must show (emoji depend on the fonts installed, so not them)
    markers = ["A&B<便利店>", "{{来电人}}{%forxinrange(9)%}", "注入</w:t>", "表情", "第一行"]
    for doc, marker in zip(docs, markers, strict=True):
        with pdfplumber.open(out / f"{doc.stem}.pdf") as pdf:
            printed = "".join(p.extract_text() or "" for p in pdf.pages)
        assert marker in printed.replace(" ", "").replace("\n", ""), doc.name


# -- the fast path is docxtpl's text --------------------------------------------------------

def contexts(tmp_path: Path) -> list[dict[str, Any]]:
    made = generate(tmp_path / "made", orders=20, seed=8, as_of=AS_OF)
    home = tmp_path / "home"
    drop(home, *made.files, csv_with(tmp_path / "in", HOSTILE))
    Hotline(home).run()
    opened = open_home(home)
    calc = opened.calculator()
    with opened.store().read() as conn:
        rows = opened.store().orders(conn)
    out = [transfer_context(r, deadlines_for(r, calc), opened.config) for r in rows]
    opened.close()
    return out


def test_fast_rendering_gives_docxtpl_text(tmp_path: Path) -> None:
    template_file = default_templates_dir() / TRANSFER_FORM
    fast = PreparedTemplate(template_file)
    checked = 0
    for context in contexts(tmp_path):
        reference = tmp_path / "reference.docx"
        render_with_docxtpl(template_file, context, reference)
        ours = docx.Document(io.BytesIO(fast.render(context)))
        assert body_text(ours) == body_text(docx.Document(str(reference)))
        checked += 1
    assert checked >= 27


def test_fast_rendering_keeps_unchanged_parts(tmp_path: Path) -> None:
    template_file = default_templates_dir() / TRANSFER_FORM
    data = PreparedTemplate(template_file).render(contexts(tmp_path)[0])
    with zipfile.ZipFile(template_file) as a, zipfile.ZipFile(io.BytesIO(data)) as b:
        assert sorted(a.namelist()) == sorted(b.namelist())
        for name in a.namelist():
            if name != "word/document.xml":
                assert a.read(name) == b.read(name), name
        assert b"hotline_form" in b.read("docProps/custom.xml")


# -- Annex 3 / 4 ----------------------------------------------------------------------------

@pytest.mark.parametrize(("verb", "title", "template"), [
    ("exclude", "不纳入测评范围诉求申请表", EXCLUDE_FORM),
    ("objective", "客观件诉求认定申请表", OBJECTIVE_FORM),
])
def test_application_forms_are_complete(home: Path, hotline: Hotline, seed_files: list[Path],
                                        verb: str, title: str, template: str) -> None:
    drop(home, *seed_files)
    hotline.run()
    reason = "来电人所诉事项已进入诉讼程序（&<案号>），依法不属于热线办理范围。"

    result = hotline(verb, "20261104000102", "--reason", reason)

    assert result.exit_code == 0, result.output
    label = "不纳入测评范围" if verb == "exclude" else "客观件"
    path = home / "outbox" / DAY / "申请表" / f"20261104000102-{label}-001.docx"
    assert f"outbox/{DAY}/申请表/20261104000102-{label}-001.docx" in result.output.replace(
        str(home) + "/", "")
    document = docx.Document(str(path))
    assert document.paragraphs[0].text == title
    texts = body_text(document)
    joined = "\n".join(texts)
    assert "承办单位：北站街道办事处" in joined
    assert f"申请表编号：{label[:3]}-" in joined
    assert "吴女士" in texts and "02156001234" in texts
    assert "诉求编号：20261104000102" in texts
    assert "来电人咨询：社区食堂的开放时间和就餐办法。" in texts
    assert reason in texts
    for ink in ("承办单位热线机构负责人签字并加盖公章", "承办单位监察部门负责人签字并加盖公章",
                "市监察局党风政风监督室具体负责同志初审意见"):
        assert ink in texts
    order = hotline.json("show", "20261104000102")
    assert order["request"]["status"] == "申请中"
    again = hotline(verb, "20261104000102", "--reason", "再申请一次")
    assert again.exit_code == 2 and "不能重复申请" in again.output
    del template


# -- the loop back --------------------------------------------------------------------------

def fill_in(path: Path, target: Path, *, notes: str, result: str | None,
            replied: str | None = "是", handled: str = "", number: str = "",
            caller: str = "") -> Path:
    """A 转送单 as a department fills it in (and, with `number`/`caller`, as it should not)."""
    document = docx.Document(str(path))
    for table in document.tables:
        for row in table.rows:
            cells = row.cells
            for i, cell in enumerate(cells):
                if cell.text.startswith("承办单位处理情况") and notes:
                    cell.paragraphs[-1].add_run(notes)
                if cell.text.startswith("办结时间") and handled:
                    runs = cell.paragraphs[-1].runs
                    runs[0].text = handled
                    for run in runs[1:]:
                        run.text = ""
                for label, value in (("工单编号", number), ("来电人", caller)):
                    if value and cell.text == label and i + 1 < len(cells):
                        cells[i + 1].text = value
                for paragraph in cell.paragraphs:
                    for run in paragraph.runs:
                        if result and run.text.strip() == f"□ {result}":
                            run.text = f"☑ {result}"
                        if replied and run.text.strip() == f"□ {replied}":
                            run.text = f"√ {replied}"
    target.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(target))
    return target


NOTES = ("我所于2026年11月4日接单，并于11月5日上午10时35分首次通过电话先行联系市民。"
         "民警上门对商铺进行教育劝导，商铺表示今后夜间不再卸货。来电人表示满意。"
         "该问题已实际解决。经办人：张三，电话：12345678。")


def test_returned_form_updates_its_order(home: Path, hotline: Hotline, seed_files: list[Path],
                                         tmp_path: Path) -> None:
    drop(home, *seed_files)
    hotline.run()
    assert hotline("assign", "20261103000101", "北站派出所").exit_code == 0
    issued = home / "outbox" / DAY / "转送单" / "20261103000101.docx"
    returned = fill_in(issued, tmp_path / "back" / "派出所回复-20261103000101.docx",
                       notes=NOTES, result="实际解决")
    drop(home, returned)

    run = hotline.run()

    assert run.exit_code == 0, run.output
    order = hotline.json("show", "20261103000101")
    assert order["result"] == "实际解决"
    assert order["status"] == "已办结"
    assert order["handling"]["handler"] == "张三"
    assert order["handling"]["handler_phone"] == "12345678"
    assert order["handling"]["replied_within_day"] is True
    assert "民警上门" in order["handling"]["notes"]
    handled = [e for e in order["history"] if e["kind"] == "handled"]
    assert handled and handled[0]["source"] == "派出所回复-20261103000101.docx"
    shown = hotline("show", "20261103000101").output
    assert "办理结果：实际解决" in shown and "经办人：张三" in shown and "民警上门" in shown
    assert (home / "archive" / DAY / "派出所回复-20261103000101.docx").exists()


def test_returned_form_with_notes_only_keeps_the_clock_running(
        home: Path, hotline: Hotline, seed_files: list[Path], tmp_path: Path) -> None:
    drop(home, *seed_files)
    hotline.run()
    issued = home / "outbox" / DAY / "转送单" / "20261104000102.docx"
    drop(home, fill_in(issued, tmp_path / "b" / "进展.docx", notes="已联系物业，正在协调。",
                       result=None, replied=None))
    hotline.run()
    order = hotline.json("show", "20261104000102")
    assert order["status"] == "待分派" and order["result"] == ""
    assert "正在协调" in order["handling"]["notes"]


def test_returned_form_for_unknown_order_or_unfilled_is_set_aside(
        home: Path, hotline: Hotline, seed_files: list[Path], tmp_path: Path) -> None:
    drop(home, *seed_files)
    hotline.run()
    issued = home / "outbox" / DAY / "转送单" / "20261106000103.docx"
    untouched = tmp_path / "c" / "原样退回.docx"
    untouched.parent.mkdir()
    shutil.copyfile(issued, untouched)
    stranger = fill_in(issued, tmp_path / "d" / "别处的单.docx", notes=NOTES, result="解释说明")
    document = docx.Document(str(stranger))
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    for run in paragraph.runs:
                        run.text = run.text.replace("20261106000103", "20269999000001")
    document.save(str(stranger))
    drop(home, untouched, stranger)

    result = hotline.run()

    assert result.exit_code == 1
    failed = home / "failed" / DAY
    assert "没有填写处理情况" in (failed / "原样退回.docx.原因.txt").read_text(encoding="utf-8-sig")
    assert "没有编号为 20269999000001 的工单" in (failed / "别处的单.docx.原因.txt").read_text(
        encoding="utf-8-sig")
    assert hotline.json("show", "20261106000103")["result"] == ""


# -- templates check --------------------------------------------------------------------------

def edited_template(home: Path, old: str, new: str) -> None:
    source = default_templates_dir() / TRANSFER_FORM
    target = home / "templates" / TRANSFER_FORM
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "word/document.xml":
                data = data.replace(old.encode(), new.encode())
            zout.writestr(item, data)


def test_templates_check_reports_unknown_and_missing_fields(home: Path, hotline: Hotline) -> None:
    assert hotline("templates", "check").exit_code == 0
    edited_template(home, "{{ 来电人 }}", "{{ 来电人名 }}")
    result = hotline("templates", "check")
    assert result.exit_code == 2
    assert "未知的填写标记 {{ 来电人名 }}" in result.output
    assert "模板中没有 {{ 来电人 }}" in result.output
    assert "本街道的模板" in result.output


def test_broken_template_syntax_is_reported_and_the_run_goes_on(
        home: Path, hotline: Hotline, seed_files: list[Path]) -> None:
    edited_template(home, "{{ 来电人 }}", "{{ 来电人 }")
    check = hotline("templates", "check")
    assert check.exit_code == 2 and "填写标记有误" in check.output
    drop(home, *seed_files)
    run = hotline.run()
    assert run.exit_code == 1
    assert "模板无法使用" in run.output
    assert len(hotline.orders()) == 3  # the orders are in; the forms wait for the fix
    (home / "templates" / TRANSFER_FORM).unlink()
    again = hotline.run()
    assert again.exit_code == 0
    assert len(list((home / "outbox" / DAY / "转送单").glob("*.docx"))) == 3


def test_export_copies_templates_for_editing(home: Path, hotline: Hotline) -> None:
    result = hotline("templates", "export")
    assert result.exit_code == 0
    assert (home / "templates" / TRANSFER_FORM).read_bytes() == (
        default_templates_dir() / TRANSFER_FORM).read_bytes()
    assert "未覆盖" in hotline("templates", "export").output


# -- printing -------------------------------------------------------------------------------

def test_without_libreoffice_the_merged_pdf_is_skipped_with_a_note(
        home: Path, hotline: Hotline, seed_files: list[Path]) -> None:
    drop(home, *seed_files)
    result = hotline.run()
    assert "未安装 LibreOffice" in result.output
    listing = (home / "outbox" / DAY / "打印清单.txt").read_text(encoding="utf-8-sig")
    assert "共 3 份" in listing


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed here")
def test_merged_pdf_of_the_days_forms(home: Path, hotline: Hotline, seed_files: list[Path],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import pdfplumber  # noqa: PLC0415

    monkeypatch.setenv("HOTLINE_SOFFICE", SOFFICE or "")
    drop(home, *seed_files)
    result = hotline.run()
    pdf = home / "outbox" / DAY / f"今日打印-{DAY}.pdf"
    assert pdf.exists(), result.output
    with pdfplumber.open(pdf) as opened:
        texts = [p.extract_text() or "" for p in opened.pages]
    assert len(texts) == 3
    assert "20261103000101" in texts[0] and "20261106000103" in texts[2]
    assert load_config(home).outbox.is_dir()
