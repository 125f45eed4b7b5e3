"""Build the shipped Word templates (Annex 2, 3, 4) from plain WordprocessingML.

Run `python tools/make_templates.py` after changing a form; commit the .docx it writes into
`templates/`. The office edits its own copies in Word or WPS (`hotline templates export`);
tags are docxtpl/Jinja, named in Chinese so that the office can read them.

The package is built by hand, not from python-docx's default template, so that every
output document stays small (no 400 KB style parts) and carries only what the form needs:
A4, East Asian fonts (宋体 for text, 黑体 for titles, 仿宋 for the standing text).
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

OUT = Path(__file__).resolve().parents[1] / "templates"

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

PAGE_W, PAGE_H = 11906, 16838  # A4 in twips
MARGIN_LR, MARGIN_TB = 1247, 1134  # 2.2 cm, 2.0 cm
TEXT_W = PAGE_W - 2 * MARGIN_LR  # 9412

SONG, HEI, FANGSONG = "宋体", "黑体", "仿宋"
SIZE = {"小二": 36, "三号": 32, "四号": 28, "小四": 24, "五号": 21}  # half-points


def run(text: str, *, bold: bool = False, size: str | None = None, font: str | None = None) -> str:
    props = ""
    if font:
        props += f'<w:rFonts w:ascii="{font}" w:hAnsi="{font}" w:eastAsia="{font}" w:hint="eastAsia"/>'
    if bold:
        props += "<w:b/><w:bCs/>"
    if size:
        props += f'<w:sz w:val="{SIZE[size]}"/><w:szCs w:val="{SIZE[size]}"/>'
    rpr = f"<w:rPr>{props}</w:rPr>" if props else ""
    return f'<w:r>{rpr}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def para(*runs: str, align: str | None = None, indent_chars: int = 0,
         before: int = 0, after: int = 0) -> str:
    # CT_PPr order: spacing, ind, jc.
    ppr = f'<w:spacing w:before="{before}" w:after="{after}"/>'
    if indent_chars:
        ppr += f'<w:ind w:firstLineChars="{indent_chars * 100}" w:firstLine="{indent_chars * 240}"/>'
    if align:
        ppr += f'<w:jc w:val="{align}"/>'
    return f"<w:p><w:pPr>{ppr}</w:pPr>{''.join(runs)}</w:p>"


def cell(*paras: str, width: int, span: int = 1, vmerge: str | None = None,
         valign: str = "center") -> str:
    tcpr = f'<w:tcW w:w="{width}" w:type="dxa"/>'
    if span > 1:
        tcpr += f'<w:gridSpan w:val="{span}"/>'
    if vmerge == "restart":
        tcpr += '<w:vMerge w:val="restart"/>'
    elif vmerge == "continue":
        tcpr += "<w:vMerge/>"
    tcpr += f'<w:vAlign w:val="{valign}"/>'
    body = "".join(paras) or para()
    return f"<w:tc><w:tcPr>{tcpr}</w:tcPr>{body}</w:tc>"


def row(*cells: str, height: int | None = None, exact: bool = False, cant_split: bool = False) -> str:
    trpr = ""
    if cant_split:
        trpr += "<w:cantSplit/>"
    if height:
        rule = "exact" if exact else "atLeast"
        trpr += f'<w:trHeight w:val="{height}" w:hRule="{rule}"/>'
    return f"<w:tr><w:trPr>{trpr}</w:trPr>{''.join(cells)}</w:tr>"


def table(widths: list[int], *rows: str) -> str:
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    edge = '<w:{0} w:val="single" w:sz="6" w:space="0" w:color="000000"/>'
    border_xml = "".join(edge.format(e) for e in
                         ("top", "left", "bottom", "right", "insideH", "insideV"))
    tblpr = (
        f'<w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:jc w:val="center"/>'
        f"<w:tblBorders>{border_xml}</w:tblBorders><w:tblLayout w:type=\"fixed\"/>"
        '<w:tblCellMar><w:left w:w="85" w:type="dxa"/><w:right w:w="85" w:type="dxa"/>'
        "</w:tblCellMar>"
    )
    return f"<w:tbl><w:tblPr>{tblpr}</w:tblPr><w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"


def label(text: str, *, align: str = "center") -> str:
    return para(run(text, bold=False), align=align)


def value(tag: str, *, align: str | None = None) -> str:
    return para(run("{{ " + tag + " }}"), align=align)


def document(body: str) -> str:
    sect = (
        f'<w:sectPr><w:pgSz w:w="{PAGE_W}" w:h="{PAGE_H}"/>'
        f'<w:pgMar w:top="{MARGIN_TB}" w:right="{MARGIN_LR}" w:bottom="{MARGIN_TB}" '
        f'w:left="{MARGIN_LR}" w:header="851" w:footer="851" w:gutter="0"/>'
        '<w:cols w:space="425"/><w:docGrid w:linePitch="312"/></w:sectPr>'
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:document xmlns:w="{W_NS}" xmlns:r="{R_NS}"><w:body>{body}{sect}</w:body></w:document>'
    )


# -- Annex 2: 转送单 ----------------------------------------------------------------------

def transfer_form() -> str:
    # A six-column grid: label | value (2) | label | value (2), so that the last row can be
    # cut in three balanced cells as on the seed's form.
    lw = 1700
    vw = TEXT_W // 2 - lw
    widths = [lw, 1900, vw - 1900, lw, vw // 2, vw - vw // 2]

    def pair_row(l1: str, t1: str, l2: str, t2: str) -> str:
        return row(
            cell(label(l1), width=lw), cell(value(t1), width=vw, span=2),
            cell(label(l2), width=lw), cell(value(t2), width=vw, span=2),
            height=520, cant_split=True,
        )

    def wide(text_label: str, tag: str | None, height: int, *, indent: int = 2) -> str:
        paras = [para(run(text_label, bold=True))]
        if tag:
            paras.append(para(run("{{ " + tag + " }}"), indent_chars=indent))
        return row(cell(*paras, width=TEXT_W, span=6, valign="top"), height=height)

    deadline_cell = cell(
        para(run("办理回复期限：", bold=True)),
        para(run("{{ 办理回复期限 }}"), align="center"),
        para(run("（依据{{ 依据 }}）"), align="center"),
        para(run("{{ 期限说明 }}", size="五号")),
        width=widths[0] + widths[1], span=2, valign="top",
    )
    reply_cell = cell(
        para(run("一个工作日内答复市民：", bold=True, size="五号"), align="left"),
        para(run('{{ 答复市民["是"] }} 是'), align="center"),
        para(run('{{ 答复市民["否"] }} 否'), align="center"),
        width=widths[2] + widths[3], span=2, valign="top",
    )
    result_cell = cell(
        para(run("是否解决：", bold=True)),
        *[para(run('{{ 是否解决["' + r + '"] }} ' + r), indent_chars=1)
          for r in ("实际解决", "解释说明", "参考备案", "述求过高", "未解决")],
        width=widths[4] + widths[5], span=2, valign="top",
    )
    body = "".join([
        para(run("“12345”市民服务热线转送单{{ 转送单标记 }}", bold=True, size="小二", font=HEI),
             align="center", after=60),
        para(run("“12345”市民服务热线管理办公室", size="四号", font=FANGSONG),
             align="center", after=60),
        para(run("{{ 承办单位 }}：", size="四号", font=FANGSONG)),
        para(run("现将下列来电转去，请责成有关部门认真处理，并将处理情况答复来电人。",
                 size="四号", font=FANGSONG), indent_chars=2, after=120),
        table(
            widths,
            pair_row("来电人", "来电人", "来电日期", "来电日期"),
            pair_row("述求地址", "述求地址", "联系电话", "联系电话"),
            pair_row("工单编号", "工单编号", "转交日期", "转交日期"),
            pair_row("转交办公单位", "转交办公单位", "转交办文号", "转交办文号"),
            pair_row("是否催单", "是否催单", "工单优先级", "工单优先级"),
            wide("来电内容：", "来电内容", 1800),
            wide("承办单位处理情况：", "承办单位处理情况", 2200),
            wide("办理情况反馈：", "办理情况反馈", 700),
            row(deadline_cell, reply_cell, result_cell, height=1800, cant_split=True),
            # when the department finished: read back as the order's 办结时间 (issue 14)
            wide("办结时间：", "办结时间", 700, indent=0),
            wide("备注：", "备注", 900, indent=0),
        ),
    ])
    return document(body)


# -- Annex 3 / 4: 申请表 ------------------------------------------------------------------

def application_form(title: str) -> str:
    lw = 2000
    vw = TEXT_W // 2 - lw
    widths = [lw, vw, lw, vw]
    rest = vw + lw + vw

    def sign_cell(text: str) -> list[str]:
        return [
            cell(label(text), width=lw),
            cell(para(), para(), para(run("年    月    日"), align="right"), width=vw,
                 valign="bottom"),
        ]

    body = "".join([
        para(run(title, bold=True, size="小二", font=HEI), align="center", after=240),
        # One line above the table: the unit on the left, the form number at a right tab.
        '<w:p><w:pPr><w:tabs><w:tab w:val="right" w:pos="' + str(TEXT_W) + '"/></w:tabs>'
        '<w:spacing w:before="0" w:after="60"/></w:pPr>'
        + run("承办单位：{{ 承办单位 }}") + "<w:r><w:tab/></w:r>"
        + run("申请表编号：{{ 申请表编号 }}") + "</w:p>",
        table(
            widths,
            row(
                cell(label("诉求人姓名"), width=lw), cell(value("诉求人姓名"), width=vw),
                cell(label("诉求人联系电话"), width=lw), cell(value("诉求人联系电话"), width=vw),
                height=620, cant_split=True,
            ),
            row(
                cell(label("诉求主要内容"), width=lw, vmerge="restart"),
                cell(para(run("诉求编号：{{ 诉求编号 }}")), width=rest, span=3),
                height=560,
            ),
            row(
                cell(width=lw, vmerge="continue"),
                cell(para(run("{{ 诉求主要内容 }}"), indent_chars=2), width=rest, span=3,
                     valign="top"),
                height=2600,
            ),
            row(
                cell(label("申请不纳入测评范围理由"), width=lw),
                cell(para(run("{{ 申请理由 }}"), indent_chars=2), width=rest, span=3,
                     valign="top"),
                height=2800,
            ),
            row(*sign_cell("承办单位热线机构负责人签字并加盖公章"),
                *sign_cell("承办单位监察部门负责人签字并加盖公章"), height=1800, cant_split=True),
            row(
                cell(label("市监察局党风政风监督室具体负责同志初审意见"), width=lw),
                cell(para(), width=rest, span=3), height=1700, cant_split=True,
            ),
            row(
                cell(label("市监察局党风政风监督室分管主任复审意见"), width=lw),
                cell(para(), width=vw),
                cell(label("市监察局党风政风监督室主任审核意见"), width=lw),
                cell(para(), width=vw),
                height=1900, cant_split=True,
            ),
        ),
    ])
    return document(body)


# -- package parts ---------------------------------------------------------------------

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/><Override PartName="/word/fontTable.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.fontTable+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/><Override PartName="/docProps/custom.xml" ContentType="application/vnd.openxmlformats-officedocument.custom-properties+xml"/></Types>"""

ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/><Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties" Target="docProps/custom.xml"/></Relationships>"""

DOC_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable" Target="fontTable.xml"/></Relationships>"""

STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="{W_NS}"><w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:eastAsia="{SONG}" w:cs="Times New Roman"/><w:kern w:val="2"/><w:sz w:val="24"/><w:szCs w:val="24"/><w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:widowControl w:val="0"/><w:jc w:val="both"/></w:pPr></w:pPrDefault></w:docDefaults><w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style><w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont"><w:name w:val="Default Paragraph Font"/><w:uiPriority w:val="1"/><w:semiHidden/></w:style><w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/><w:semiHidden/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style></w:styles>"""

SETTINGS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:settings xmlns:w="{W_NS}"><w:zoom w:percent="100"/><w:defaultTabStop w:val="420"/><w:drawingGridVerticalSpacing w:val="156"/><w:characterSpacingControl w:val="compressPunctuation"/><w:compat><w:spaceForUL/><w:balanceSingleByteDoubleByteWidth/><w:doNotLeaveBackslashAlone/><w:ulTrailSpace/><w:doNotExpandShiftReturn/><w:adjustLineHeightInTable/><w:useFELayout/></w:compat><w:themeFontLang w:val="en-US" w:eastAsia="zh-CN"/></w:settings>"""

FONTS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:fonts xmlns:w="{W_NS}"><w:font w:name="Times New Roman"><w:panose1 w:val="02020603050405020304"/><w:charset w:val="00"/><w:family w:val="roman"/><w:pitch w:val="variable"/></w:font><w:font w:name="{SONG}"><w:altName w:val="SimSun"/><w:panose1 w:val="02010600030101010101"/><w:charset w:val="86"/><w:family w:val="auto"/><w:pitch w:val="variable"/></w:font><w:font w:name="{HEI}"><w:altName w:val="SimHei"/><w:panose1 w:val="02010609060101010101"/><w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font><w:font w:name="{FANGSONG}"><w:altName w:val="FangSong"/><w:panose1 w:val="02010609060101010101"/><w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font></w:fonts>"""


def core(title: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>{escape(title)}</dc:title><dc:creator>北站街道</dc:creator><dcterms:created xsi:type="dcterms:W3CDTF">2026-11-27T00:00:00Z</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">2026-11-27T00:00:00Z</dcterms:modified></cp:coreProperties>"""


APP = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>hotline</Application></Properties>"""


def custom(form: str) -> str:
    # The marker by which intake recognises a returned form of ours.
    return f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="2" name="hotline_form"><vt:lpwstr>{escape(form)}</vt:lpwstr></property></Properties>"""


def write_docx(path: Path, document_xml: str, title: str, form: str) -> None:
    parts = [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", ROOT_RELS),
        ("docProps/core.xml", core(title)),
        ("docProps/app.xml", APP),
        ("docProps/custom.xml", custom(form)),
        ("word/_rels/document.xml.rels", DOC_RELS),
        ("word/document.xml", document_xml),
        ("word/styles.xml", STYLES),
        ("word/settings.xml", SETTINGS),
        ("word/fontTable.xml", FONTS),
    ]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts:
            info = zipfile.ZipInfo(name, date_time=(2026, 11, 27, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text.encode("utf-8"))


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    out.mkdir(parents=True, exist_ok=True)
    write_docx(out / "转送单.docx", transfer_form(), "“12345”市民服务热线转送单", "转送单")
    write_docx(out / "不纳入测评范围诉求申请表.docx",
               application_form("不纳入测评范围诉求申请表"), "不纳入测评范围诉求申请表", "附件3")
    write_docx(out / "客观件诉求认定申请表.docx",
               application_form("客观件诉求认定申请表"), "客观件诉求认定申请表", "附件4")
    print(f"templates written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
