"""Laying out a whole template: every sheet (project sheets copied), then the cross-checks.

>>> from jixiao.template.load import load_template
>>> layout = build_layout(load_template("guizhou-zhengti"))
>>> layout.cell("zt_fund_total_rate").address
'J6'
"""

from __future__ import annotations

from typing import Any

from ..template import model
from ..template.load import LoadedTemplate
from .basic_data import build_basic_data
from .builder import BuildContext, SheetBuilder
from .checklist import build_checklist
from .cross_checks import build_cross_checks
from .identity import GENERATION
from .model import COPIES_KEY, INDICATORS_KEY, MAX_COPIES, Layout, SheetLayout, SheetRole
from .refs import CellName
from .self_evaluation import build_self_evaluation
from .sheet_checks import untouched_check


def sheet_copy_id(spec_id: str, n: int, copies: int) -> str:
    """The id of copy ``n`` of a sheet: ``xm1``, ``xm2`` … when there are several, else ``xm``.

    >>> sheet_copy_id("xm", 2, 3), sheet_copy_id("xm", 1, 1)
    ('xm2', 'xm')
    """
    return f"{spec_id}{n}" if copies > 1 else spec_id


def build_layout(lt: LoadedTemplate, prefill: dict[str, Any] | None = None, *,
                 generation: int = GENERATION) -> Layout:
    """Lay out every sheet of a template (with pre-filled values by defined name), as
    the builder of layout ``generation`` did (:data:`.identity.GENERATION`; an older one
    to read a return built by an older jixiao).

    Besides values by defined name, ``prefill`` may carry the keys of
    :mod:`jixiao.layout.model`: declared indicators become locked rows before the blank
    ones, and project sheets are copied once per pre-filled project.

    >>> from jixiao.template.load import load_template
    >>> lt = load_template("guizhou-zhengti")
    >>> layout = build_layout(lt, {"zt_department": "某某局", "_indicators": {"zt": [
    ...     {"level1": "产出指标", "level2": "数量", "name": "培训人次", "direction": "≥",
    ...      "target": 300, "unit": "人次", "weight": 5}]}})
    >>> layout.cell("zt_ind1_name").value
    '培训人次'
    """
    prefill = prefill or {}
    t = lt.template
    ctx = BuildContext(lt, prefill, Layout(template_id=t.id, template_version=t.version, title=lt.render_text(t.name),
                                           sheets=[], style=t.style, password=t.password, prefill=prefill,
                                           params=dict(t.params), generation=generation))
    sheet_totals: dict[str, list[CellName]] = {}
    # A checklist averages other sheets' totals: lay it out after them, keep its place.
    order = sorted(range(len(t.sheets)), key=lambda i: isinstance(t.sheets[i], model.ChecklistSheet))
    placed: dict[int, list[SheetLayout]] = {}
    for index in order:
        placed[index] = _copies_of(ctx, t.sheets[index], sheet_totals)
    ctx.layout.sheets = [s for i in range(len(t.sheets)) for s in placed[i]]
    untouched_check(ctx)
    if t.cross_checks:
        build_cross_checks(ctx)
    _check_declared(ctx.layout, prefill)
    return ctx.layout


def _copies_of(ctx: BuildContext, spec: model.Sheet, sheet_totals: dict[str, list[CellName]]) -> list[SheetLayout]:
    """Every copy of one template sheet, laid out."""
    copies = _copy_count(spec, ctx.prefill)
    out: list[SheetLayout] = []
    for n in range(1, copies + 1):
        name = ctx.lt.render_text(spec.name, n=n)
        if copies > 1 and "{{" not in spec.name:
            name = f"{name}{n}"
        role: SheetRole = spec.kind
        sb = SheetBuilder(ctx, sheet_copy_id(spec.id, n, copies), name[:31], role)
        if isinstance(spec, model.SelfEvaluationSheet):
            sheet_totals.setdefault(spec.id, []).append(build_self_evaluation(sb, spec))
        elif isinstance(spec, model.BasicDataSheet):
            build_basic_data(sb, spec)
        else:
            build_checklist(sb, spec, sheet_totals)
        out.append(sb.s)
    return out


def _copy_count(spec: model.Sheet, prefill: dict[str, Any]) -> int:
    """How many copies of a sheet: a project sheet grows to the projects pre-filled."""
    if not isinstance(spec, model.SelfEvaluationSheet):
        return 1
    wanted = prefill.get(COPIES_KEY, {}).get(spec.id, 0)
    return max(spec.count, min(int(wanted), MAX_COPIES))


def _check_declared(layout: Layout, prefill: dict[str, Any]) -> None:
    """Every pre-filled indicator must name a sheet and a 一级/二级指标 the form has."""
    known = {s.id: s.level2_names for s in layout.sheets}
    for sheet_id, rows in prefill.get(INDICATORS_KEY, {}).items():
        for d in rows:
            if (d.get("level1"), d.get("level2")) not in known.get(sheet_id, set()):
                raise ValueError(f"pre-filled indicator {d.get('name')!r}: sheet {sheet_id!r} has no "
                                 f"{d.get('level1')} / {d.get('level2')}")
