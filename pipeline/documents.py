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
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, StrictUndefined, TemplateSyntaxError, meta
from lxml import etree

from pipeline.errors import ConfigError

TRANSFER_FORM = "转送单.docx"
EXCLUDE_FORM = "不纳入测评范围诉求申请表.docx"
OBJECTIVE_FORM = "客观件诉求认定申请表.docx"
TEMPLATE_NAMES = (TRANSFER_FORM, EXCLUDE_FORM, OBJECTIVE_FORM)

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_HEADER_FOOTER = re.compile(r"word/(header|footer)\d*\.xml$")
_ZIP_TIME = (2026, 1, 1, 0, 0, 0)


def default_templates_dir() -> Path:
    """The templates shipped with the package (or the source checkout's `templates/`)."""
    installed = Path(__file__).resolve().parent / "templates"
    if (installed / TRANSFER_FORM).is_file():
        return installed
    return Path(__file__).resolve().parent.parent / "templates"


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
        rendered = {p.name for p in self._parts}
        base = io.BytesIO()
        with zipfile.ZipFile(base, "w", zipfile.ZIP_DEFLATED) as out:
            for name in names:
                if name not in rendered:
                    out.writestr(_zipinfo(name), raw[name])
        self._base = base.getvalue()

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
            xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", xml)
            xml = (
                xml.replace("{_{", "{{").replace("}_}", "}}")
                .replace("{_%", "{%").replace("%_}", "%}")
            )
            xml = self._tpl.resolve_listing(xml)
            if self._fix_tables and part.prefix:
                xml = etree.tostring(self._tpl.fix_tables(xml), encoding="unicode")
            whole = part.prefix + xml + part.suffix
            etree.fromstring(whole.encode("utf-8"))  # never write a broken document
            out[part.name] = whole
        return out

    def render(self, context: Mapping[str, Any]) -> bytes:
        parts = self.render_xml(context)
        buf = io.BytesIO(self._base)
        with zipfile.ZipFile(buf, "a", zipfile.ZIP_DEFLATED) as zf:
            for name, xml in parts.items():
                data = xml.encode("utf-8")
                if not xml.startswith("<?xml"):
                    data = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + data
                zf.writestr(_zipinfo(name), data)
        return buf.getvalue()


def _zipinfo(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


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
