"""The checklist sheet (整体绩效自评表): sections of items with self and review scores."""

from __future__ import annotations

from ..template import model
from .builder import SheetBuilder, text_height
from .identity import MESSAGES_WITH_VALUES
from .indicators import message_cell
from .model import PANEL_HEAD, ConditionalMark, RowCheck, Subtotal
from .pages import paginate
from .refs import CellName
from .sheet_checks import sheet_checks

#: The hidden column of the items' flags.
FLAG_COL = 12


def build_checklist(sb: SheetBuilder, spec: model.ChecklistSheet, sheet_totals: dict[str, list[CellName]]) -> None:
    """Lay out a checklist; ``sheet_totals`` are the totals of the sheets laid out before it."""
    s = sb.s
    s.print = spec.print
    # H: each item's check message, beside the printed form; its flag hidden in M (generation 1:
    # the flag itself in H).
    messages = sb.ctx.layout.generation >= MESSAGES_WITH_VALUES
    s.col_widths = {0: 24, 1: 7, 2: 50, 3: 10, 4: 10, 5: 12, 6: 2, 7: 18 if messages else 6, 8: 2, 9: 20, 10: 36}
    if messages:
        s.hidden_cols = [FLAG_COL]
    sb.put(0, 0, sb.ctx.lt.render_text(spec.title), style="title", to=(0, 5))
    s.row_heights[0] = 30
    sb.row = 1
    sb.fields_narrow(spec.header)
    r = sb.row
    for j, text in enumerate(("考核内容", "分值", "计分标准", "自评分数", "评定分数", "备注")):
        sb.put(r, j, text, style="head")
    s.repeat_rows = (r, r)
    sb.row = r + 1
    over_flags: list[CellName] = []
    self_scores: list[CellName] = []
    review_scores: list[CellName] = []
    averaged = sheet_totals.get(spec.project_sheet or "")
    for si, sec in enumerate(spec.sections):
        own, review = _section(sb, spec, sec, si + 1, averaged, over_flags)
        self_scores.append(own)
        review_scores.append(review)
    _totals(sb, spec, self_scores, review_scores)
    sb.notes(spec.notes, 5, 100)
    sb.fields_narrow(spec.signatures)
    s.print_rows = (0, sb.row - 1)
    s.print_cols = (0, 5)
    if s.keep_together:  # the totals, notes and signatures print with the last item
        s.never_split.append((s.keep_together[-1][1], sb.row - 1))
    paginate(s)
    # The panel in J:K, clear of the row flags in H.
    sb.put(0, 9, PANEL_HEAD, style="panel_head", to=(0, 10))
    sb.put(1, 9, "得分超过分值", style="panel_label")
    chk = sb.computed(1, 10, "panel_1", "CHK_ROWS", {"flags": over_flags}, {"message": "项自评分数超过分值"},
                      style="panel_value", value_type="text", label="自评分数")
    s.panel.append(chk.name or "")
    sheet_checks(sb)


def _section(sb: SheetBuilder, spec: model.ChecklistSheet, sec: model.ChecklistSection, number: int,
             averaged: list[CellName] | None, over_flags: list[CellName]) -> tuple[CellName, CellName]:
    """A section's heading row (with its subtotals) and its items; returns the subtotals."""
    s = sb.s
    sec_row = r = sb.row
    sb.put(r, 0, sec.name, style="label_left_bold")
    sb.put(r, 1, sum(i.weight for i in sec.items), style="center_bold")
    r += 1
    sec_self: list[CellName] = []
    sec_review: list[CellName] = []
    for item in sec.items:
        sb.put(r, 0, item.name, style="label_left")
        sb.input(r, 1, f"{item.key}_weight", value_type="weight", style="input_weight", value=item.weight,
                 locked_value=True, label=f"{item.name} 分值")
        sb.put(r, 2, item.standard, style="label_wrap")
        if item.computed == "project_average" and averaged is not None:
            total_weight = sb.ctx.t.scoring.total_weight
            if not factor_fits(spec.project_factor, total_weight, item.weight):
                raise ValueError(f"{item.key}: project_factor {spec.project_factor} × {total_weight} "
                                 f"!= its weight {item.weight} (the score would exceed it or never reach it)")
            sb.computed(r, 3, f"{item.key}_self", "AVERAGE_TIMES", {"values": list(averaged)},
                        {"factor": spec.project_factor, "digits": 2}, style="score", label=f"{item.name} 自评分数")
            s.averaged = list(averaged)
        else:
            sb.input(r, 3, f"{item.key}_self", value_type="score", style="input_score", label=f"{item.name} 自评分数",
                     validation={"kind": "score", "max": f"{item.key}_weight"})
        sb.input(r, 4, f"{item.key}_review", value_type="score", style="input_score", label=f"{item.name} 评定分数",
                 validation={"kind": "score", "max": f"{item.key}_weight"})
        sb.input(r, 5, f"{item.key}_note", value_type="text", style="input_text", label=f"{item.name} 备注",
                 max_length=200)
        over_flags.append(_item_check(sb, r, item))
        s.row_heights[r] = text_height(item.standard, 50)
        sec_self.append(sb.name(f"{item.key}_self"))
        sec_review.append(sb.name(f"{item.key}_review"))
        r += 1
    own = sb.computed(sec_row, 3, f"sec{number}_self", "SUBTOTAL", {"scores": sec_self}, style="score_total")
    review = sb.computed(sec_row, 4, f"sec{number}_review", "SUBTOTAL", {"scores": sec_review}, style="score_total")
    s.subtotals.append(Subtotal(title=sec.name, score=own.name or ""))
    s.keep_together.append((sec_row, r - 1))
    sb.row = r
    return own.name or "", review.name or ""


def _item_check(sb: SheetBuilder, r: int, item: model.ChecklistItem) -> CellName:
    """An item's over-weight flag, and from generation 2 its message cell in H (the flag
    hidden in M); returns the flag."""
    args = {"score": f"{item.key}_self", "weight": f"{item.key}_weight"}
    target = sb.name(f"{item.key}_self")
    if sb.ctx.layout.generation < MESSAGES_WITH_VALUES:  # the flag in H, the fixed message in verify
        flag = sb.computed(r, 7, f"{item.key}_chk_over", "ROW_SCORE_OVER_WEIGHT", args, style="check",
                           value_type="flag").name or ""
        sb.s.marks.append(ConditionalMark(target=target, flag=flag))
        sb.s.row_checks.append(RowCheck(flag=flag, target=target, row_name=None, label=""))
        return flag
    flag = sb.computed(r, FLAG_COL, f"{item.key}_chk_over", "ROW_SCORE_OVER_WEIGHT", args, style="flag",
                       value_type="flag").name or ""
    text = message_cell(sb, r, 7, f"{item.key}_msg_over", "ROW_SCORE_OVER_WEIGHT", flag, args, None,
                        style="check")
    sb.s.marks.append(ConditionalMark(target=target, flag=flag))
    sb.s.row_checks.append(RowCheck(flag=flag, target=target, row_name=None, label=f"{item.name} 自评分数",
                                    text=text))
    return flag


def factor_fits(factor: float, total_weight: float, weight: float) -> bool:
    """Whether an averaged item's factor turns a full project total into exactly its
    weight (项目评价 80 = average of totals out of 100 × 0.8).

    >>> factor_fits(0.8, 100, 80), factor_fits(0.8, 100, 70)
    (True, False)
    """
    return abs(factor * total_weight - weight) <= 1e-9


def _totals(sb: SheetBuilder, spec: model.ChecklistSheet, self_scores: list[CellName],
            review_scores: list[CellName]) -> None:
    r = sb.row
    sb.put(r, 0, "合    计", style="head_total")
    sb.put(r, 1, sum(i.weight for sec in spec.sections for i in sec.items), style="center_bold")
    sb.put(r, 2, None, style="label")
    total = sb.computed(r, 3, "total_self", "TOTAL", {"parts": self_scores}, style="score_total", label="自评分数合计")
    sb.computed(r, 4, "total_review", "TOTAL", {"parts": review_scores}, style="score_total", label="评定分数合计")
    sb.put(r, 5, None, style="label")
    sb.s.total = total.name
    sb.row = r + 1

