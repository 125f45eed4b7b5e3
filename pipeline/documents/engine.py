"""Word documents from the editable templates, rendered fast and safely.

docxtpl prepares a template (joining tags Word split across runs, …) and renders it with
Jinja. Doing that per order costs ~20 ms, most of it re-opening and re-compiling the same
template and re-zipping parts that never change. `PreparedTemplate` does docxtpl's own
preparation once, compiles the Jinja once with autoescape on, and per order renders only
`word/document.xml` (and any header or footer with tags), writing the zip with the other
parts copied unchanged. The text is the same as docxtpl's (a test proves it).
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, StrictUndefined, TemplateSyntaxError, meta
from lxml import etree
from markupsafe import Markup, escape

from pipeline.errors import ConfigError

TRANSFER_FORM = "转送单.docx"
EXCLUDE_FORM = "不纳入测评范围诉求申请表.docx"
OBJECTIVE_FORM = "客观件诉求认定申请表.docx"
TEMPLATE_NAMES = (TRANSFER_FORM, EXCLUDE_FORM, OBJECTIVE_FORM)

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_HEADER_FOOTER = re.compile(r"word/(header|footer)\d*\.xml$")
_ZIP_TIME = (2026, 1, 1, 0, 0, 0)
_PARAGRAPH = re.compile(r"<w:p(?: [^>]*)?>.*?</w:p>", re.DOTALL)  # as docxtpl finds them
_SPECIAL = "\n\t\a\f"


def default_templates_dir() -> Path:
    """The templates shipped with the package (or the source checkout's `templates/`)."""
    package = Path(__file__).resolve().parents[1]  # pipeline/
    installed = package / "templates"
    if (installed / TRANSFER_FORM).is_file():
        return installed
    return package.parent / "templates"


def template_path(home_templates: Path, name: str) -> Path:
    """A home's own copy of a template if it has one, else the shipped default."""
    own = home_templates / name
    return own if own.is_file() else default_templates_dir() / name


def _environment() -> Environment:
    # Autoescape on: citizen text with & or < must never break the XML (library-facts.md).
    return Environment(autoescape=True, undefined=StrictUndefined, keep_trailing_newline=True)


def _docxtpl() -> Any:
    from docxtpl import DocxTemplate  # noqa: PLC0415 - heavy import, only when rendering

    return DocxTemplate


@dataclass
class _Part:
    name: str
    prefix: str
    template: Any  # jinja2.Template
    suffix: str


class PreparedTemplate:
    """A .docx template prepared once; `render(context)` returns the bytes of a .docx."""

    def __init__(self, path: Path) -> None:
        self.path = path
        doc_cls = _docxtpl()
        self._tpl = doc_cls(str(path))
        self._tpl.init_docx()
        self.env = _environment()
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            raw = {name: zf.read(name) for name in names}
        self._parts: list[_Part] = []
        self.variables: set[str] = set()
        body_xml = self._tpl.get_xml()
        self._add_part("word/document.xml", raw["word/document.xml"], body_xml, body=True)
        for name in names:
            if _HEADER_FOOTER.match(name) and b"{" in raw[name]:
                text = etree.tostring(etree.fromstring(raw[name]), encoding="unicode")
                self._add_part(name, raw[name], text, body=False)
        self._fix_tables = "{%tc" in body_xml.replace(" ", "") or "{%tr" in body_xml.replace(" ", "")
        # Only {% %} blocks can make one document's XML shaped unlike another's: without them
        # (the shipped forms), checking the first document checks them all.
        self._check_every = "{%" in body_xml
        self._checked = False
        rendered = {p.name for p in self._parts}
        self._zip = _ZipStitcher({n: raw[n] for n in names if n not in rendered})

    def _add_part(self, name: str, raw: bytes, xml: str, *, body: bool) -> None:
        patched = self._tpl.patch_xml(xml)
        source = re.sub(r"<w:p([ >])", r"\n<w:p\1", patched)
        try:
            template = self.env.from_string(source)
            self.variables |= meta.find_undeclared_variables(self.env.parse(source))
        except TemplateSyntaxError as exc:
            raise ConfigError(
                f"模板 {self.path.name} 中的填写标记有误（第{exc.lineno}处附近：{exc.message}）。"
                "请在 Word 中检查 {{ }} 和 {% %} 是否成对、拼写是否正确。"
            ) from exc
        if body:
            root = etree.fromstring(raw)
            body_el = root.find(f"{{{W_NS}}}body")
            placeholder = etree.Element(f"{{{W_NS}}}body")
            root.replace(body_el, placeholder)
            whole = etree.tostring(root, encoding="unicode")
            marker = re.search(r"<w:body\s*/>", whole)
            assert marker is not None
            prefix, suffix = whole[: marker.start()], whole[marker.end() :]
        else:
            prefix, suffix = "", ""
        self._parts.append(_Part(name, prefix, template, suffix))

    def render_xml(self, context: Mapping[str, Any]) -> dict[str, str]:
        """The rendered XML of each templated part, checked to be well-formed."""
        out = {}
        for part in self._parts:
            xml = part.template.render(context)
            # Undo the line breaks added before each paragraph for Jinja's error messages:
            # escaped values cannot hold "<", so every "\n<w:p" here is one of them.
            xml = xml.replace("\n<w:p", "<w:p")
            xml = (
                xml.replace("{_{", "{{").replace("}_}", "}}")
                .replace("{_%", "{%").replace("%_}", "%}")
            )
            if any(c in xml for c in _SPECIAL):
                xml = _PARAGRAPH.sub(self._resolve_paragraph, xml)
            if self._fix_tables and part.prefix:
                xml = etree.tostring(self._tpl.fix_tables(xml), encoding="unicode")
            whole = part.prefix + xml + part.suffix
            if self._check_every or not self._checked:
                etree.fromstring(whole.encode("utf-8"))  # never write a broken document
            out[part.name] = whole
        self._checked = True
        return out

    def _resolve_paragraph(self, match: re.Match[str]) -> str:
        """docxtpl's line-break and tab handling, run only where there is one to handle:
        the same result as over the whole document, at a fraction of the cost."""
        paragraph = match.group(0)
        if not any(c in paragraph for c in _SPECIAL):
            return paragraph
        return str(self._tpl.resolve_listing(paragraph))

    def render(self, context: Mapping[str, Any]) -> bytes:
        parts = self.render_xml(context)
        members = {}
        for name, xml in parts.items():
            data = xml.encode("utf-8")
            if not xml.startswith("<?xml"):
                data = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + data
            members[name] = data
        return self._zip.build(members)


class _ZipStitcher:
    """A .docx from the template's unchanged parts, zipped once, and the rendered parts.

    The unchanged parts' bytes (headers and compressed data) and their central directory
    records are kept as they are; each document adds its own parts after them and a new
    directory. The result is an ordinary zip, the one `zipfile` would write.
    """

    def __init__(self, unchanged: dict[str, bytes]) -> None:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
            for name, data in unchanged.items():
                out.writestr(_zipinfo(name), data)
        whole = buf.getvalue()
        with zipfile.ZipFile(io.BytesIO(whole)) as zf:
            start = zf.start_dir
            self._count = len(zf.infolist())
        end = whole.rindex(b"PK\x05\x06")
        self._local = whole[:start]
        self._central = whole[start:end]
        dos_time = (_ZIP_TIME[3] << 11) | (_ZIP_TIME[4] << 5) | (_ZIP_TIME[5] // 2)
        dos_date = ((_ZIP_TIME[0] - 1980) << 9) | (_ZIP_TIME[1] << 5) | _ZIP_TIME[2]
        self._stamp = (dos_time, dos_date)

    def build(self, members: dict[str, bytes]) -> bytes:
        local = [self._local]
        central = [self._central]
        offset = len(self._local)
        for name, data in members.items():
            packer = zlib.compressobj(1, zlib.DEFLATED, -15)  # level 1: fast, a few % larger
            packed = packer.compress(data) + packer.flush()
            crc = zlib.crc32(data)
            encoded = name.encode("utf-8")
            flags = 0 if encoded.isascii() else 0x800
            header = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, 8, *self._stamp, crc,
                                 len(packed), len(data), len(encoded), 0)
            local += [header, encoded, packed]
            central += [struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, flags, 8,
                                    *self._stamp, crc, len(packed), len(data), len(encoded),
                                    0, 0, 0, 0, 0, offset), encoded]
            offset += len(header) + len(encoded) + len(packed)
        directory = b"".join(central)
        count = self._count + len(members)
        end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(directory), offset, 0)
        return b"".join(local) + directory + end


def _zipinfo(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


_BREAK = '</w:t><w:br/><w:t xml:space="preserve">'
_TAB = '</w:t><w:tab/><w:t xml:space="preserve">'


def word_text(value: object) -> Markup:
    """Text for a template value: escaped, its line breaks and tabs already Word's own.

    The same markup docxtpl's listing resolution would make, done once here instead of by a
    scan of the whole rendered document.
    """
    text = str(escape("" if value is None else value))
    return Markup(text.replace("\n", _BREAK).replace("\t", _TAB))  # noqa: S704 - escaped above


def render_with_docxtpl(path: Path, context: Mapping[str, Any], target: Path) -> None:
    """docxtpl's own load → render → save: the reference the fast path is checked against."""
    doc = _docxtpl()(str(path))
    doc.render(dict(context), jinja_env=_environment(), autoescape=True)
    doc.save(str(target))


@lru_cache(maxsize=16)
def _prepared(path: str, mtime_ns: int) -> PreparedTemplate:
    del mtime_ns  # part of the cache key: an edited template is prepared again
    return PreparedTemplate(Path(path))


def prepared(path: Path) -> PreparedTemplate:
    """The prepared template for `path`, compiled once per process."""
    return _prepared(str(path), path.stat().st_mtime_ns)
