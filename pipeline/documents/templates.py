"""`hotline templates check` / `export`: a home's own Word templates, checked before a
night's run depends on them."""

from __future__ import annotations

import io
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.documents.contexts import APPLICATION_FIELDS, TRANSFER_FIELDS
from pipeline.documents.engine import (
    EXCLUDE_FORM,
    OBJECTIVE_FORM,
    TEMPLATE_NAMES,
    TRANSFER_FORM,
    PreparedTemplate,
    default_templates_dir,
    template_path,
)
from pipeline.errors import ConfigError

KNOWN = {TRANSFER_FORM: TRANSFER_FIELDS, EXCLUDE_FORM: APPLICATION_FIELDS,
         OBJECTIVE_FORM: APPLICATION_FIELDS}
# Fields without which a form is not the form: a template lacking one gets a warning.
ESSENTIAL = {
    TRANSFER_FORM: ("工单编号", "来电人", "联系电话", "来电内容", "转交日期", "办理回复期限"),
    EXCLUDE_FORM: ("诉求编号", "诉求人姓名", "诉求主要内容", "申请理由"),
    OBJECTIVE_FORM: ("诉求编号", "诉求人姓名", "诉求主要内容", "申请理由"),
}


@dataclass
class TemplateReport:
    name: str
    path: Path
    own: bool  # the home's own copy, not the shipped one
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def check_templates(home_templates: Path) -> list[TemplateReport]:
    reports = []
    for name in TEMPLATE_NAMES:
        path = template_path(home_templates, name)
        report = TemplateReport(name, path, own=path.parent == home_templates)
        try:
            template = PreparedTemplate(path)
        except ConfigError as exc:
            report.errors.append(str(exc))
            reports.append(report)
            continue
        except Exception as exc:
            report.errors.append(f"无法作为 Word 模板打开（{type(exc).__name__}: {exc}）")
            reports.append(report)
            continue
        unknown = sorted(template.variables - set(KNOWN[name]))
        for var in unknown:
            report.errors.append(f"未知的填写标记 {{{{ {var} }}}}：软件不提供这一项，请检查拼写。")
        for var in ESSENTIAL[name]:
            if var not in template.variables:
                report.warnings.append(f"模板中没有 {{{{ {var} }}}}，生成的文书上将缺少这一项。")
        if not report.errors:
            _trial_render(template, name, report)
        reports.append(report)
    return reports


def _trial_render(template: PreparedTemplate, name: str, report: TemplateReport) -> None:
    """Fill the template with a sample order and open the result, as a run would."""
    import docx  # noqa: PLC0415

    context: dict[str, object] = {key: f"〔{key}〕" for key in KNOWN[name]}
    context["答复市民"] = {"是": "□", "否": "□"}
    context["是否解决"] = {k: "□" for k in ("实际解决", "解释说明", "参考备案", "述求过高", "未解决")}
    try:
        data = template.render(context)
        docx.Document(io.BytesIO(data))
    except Exception as exc:
        report.errors.append(f"试填写失败（{type(exc).__name__}: {exc}）")


def export_templates(home_templates: Path, *, overwrite: bool) -> list[Path]:
    """Copy the shipped templates into the home, for the office to edit."""
    home_templates.mkdir(parents=True, exist_ok=True)
    written = []
    for name in TEMPLATE_NAMES:
        target = home_templates / name
        if target.exists() and not overwrite:
            continue
        shutil.copyfile(default_templates_dir() / name, target)
        written.append(target)
    return written
