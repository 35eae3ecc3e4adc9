"""Parse the text of a declared target (年度指标值) into a typed :class:`Target`.

Departments type targets by hand, so the same target arrives in many spellings:
``≥300份``, ``≥ 5 次``, ``＞＝95％``, ``不低于95%``, ``95%以上``, ``人均≤2000 元``. This module
reads one cell's text and returns either a quantity (operator, number, unit) or a
*qualitative* target with the reason it is not a quantity. It never guesses silently:
everything it could not read is ``direction="qualitative"`` with ``value=None`` and a
``kind`` saying why, and every liberty it takes with the text is listed in ``notes``.

Rules (the project's choices, not rules printed on the forms):

* **Normalisation.** Full-width digits, letters and ``％ ＜ ＝ ＞ ． ／ ＋ －`` become their
  ASCII forms; ``≧ ⩾`` read as ``≥`` and ``≦ ⩽`` as ``≤``; ``>=``, ``=>``, ``<=``, ``=<`` and
  ``==`` are the same operators typed in ASCII. ``》=`` and ``《=`` (a Chinese input method
  turns ``>`` into ``》``) read as ``≥`` and ``≤`` with a note. Whitespace is dropped
  except between two digits (``1 000`` stays two numbers). Only the ASCII comma is a
  thousands separator (``1,234.5``); the full-width ``，`` always separates clauses.
* **Operators.** Before the number: the symbols above, or the words 不低于 / 不少于 /
  至少 / 大于等于 / 达到 … (``>=``), 不超过 / 不高于 / 至多 / 小于等于 / 控制在 … (``<=``),
  为 / 是 / 等于 (``=``). After the unit: 以上 / 及以上 (``>=``), 以下 / 以内 / 之内 (``<=``).
  A post-operator refines 为/是 (``合格率为95%以上`` is ``>= 95``); any other disagreement
  (``≥95%以下``) is ``kind="conflict"``. Strict ``>`` / ``<`` (and 高于, 超过, 低于, 少于 …)
  read as ``>=`` / ``<=`` with a note: the scoring rules only know the two directions.
* **Bare quantities** (no operator at all: ``1个``, ``13个``, ``962.44万元``, ``3000 元/个``,
  ``100%``) take ``bare_direction``, default ``">="``, and are flagged ``bare=True`` so the
  caller can tell a written ``≥`` from a defaulted one. The parser does not know the
  indicator's category; a caller reading a 成本指标 row (``962.44万元`` is a spending cap)
  passes ``bare_direction="<="``. A bare zero (``0%``, a 差错率) always reads ``"="``:
  ``≥0`` would be met by anything, and ``=0`` and ``≤0`` score alike (DOMAIN: target 0 is
  full marks when the actual is ≤ 0). A bare quantity must stand alone: with any text
  before or after it (``计划对市直97家正处级单位…``) it is ``kind="unclear"``.
* **Dates are qualitative** (``kind="date"``): ``2023 年年底``, ``2022年12月底``,
  ``2023年1月至12月``, ``2023-12-31``, anything with a four-digit year before 年, a month
  number before 月, or 年底 / 年末 / 月底 …. Deadlines are scored against the completion
  date by a person, not by B/A.
* **One cell, one number.** A text with more than one number or more than one clause
  (``培训次数≥4次，培训人数≥400人``, ``1. …≥1次； 2. …≥1次``) is ``kind="multiple"``:
  the score formula B/A × weight needs exactly one A, and picking one of several would be a
  guess. List numbering counts as a number, so ``1. 开展≥1次`` is ``multiple`` too.
* **Approximations** (``约100人``, ``100人左右``, ``10余次``, ``100多人``) are
  ``kind="approximate"``: there is no exact A to divide by.
* **Percent.** A value written with ``%`` (or ``％``) has ``percent=True``, ``unit="%"``
  and the number *as written*: ``95%`` gives ``value=Decimal("95")``, not ``0.95``.
  ``‰`` and ``个百分点`` are ordinary units.
* **Text around the quantity** is kept: before the operator in ``subject``
  (``人均≤2000 元`` → ``subject="人均"``), after the unit in ``suffix``
  (``开展≥1次联动督导`` → ``suffix="联动督导"``). The unit is read from a list of common
  units and measure words (longest first, so ``人次`` before ``人`` and ``万元`` before
  ``万``), optionally followed by ``/个`` or ``·年`` parts. An unlisted unit of up to three
  letters is accepted as it stands (``≥5颗``) when nothing but 以上/以下 follows it; longer
  text, or text after an unlisted or missing unit, is ``kind="unclear"`` (where the unit
  would end is a guess), and so is a second operator symbol anywhere in the cell, or text
  after 以上/以下 that would join the unit without it (``5万以上元``, ``5个以上以下``).

Example:
    >>> parse_target("≥300份")
    Target(direction='>=', value=Decimal('300'), unit='份', text='≥300份', percent=False, subject='', suffix='', kind='quantity', bare=False, notes=())
    >>> format_target(parse_target("不低于 95 ％"))
    '≥95%'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from ..codes.data import TARGET_REASONS

__all__ = [
    "BareDirection",
    "Direction",
    "Target",
    "TargetKind",
    "format_target",
    "parse_target",
]

Direction = Literal[">=", "<=", "=", "qualitative"]
BareDirection = Literal[">=", "<=", "="]
TargetKind = Literal[
    "quantity", "empty", "text", "date", "multiple", "approximate", "conflict", "unclear"
]

_SYMBOL = {">=": "≥", "<=": "≤", "=": "="}


@dataclass(frozen=True)
class Target:
    """A declared target (年度指标值) as read from its text.

    ``direction`` is ``">="`` (positive indicator), ``"<="`` (negative indicator), ``"="``
    or ``"qualitative"``; ``value`` is ``None`` exactly when the target is qualitative.
    With ``percent=True`` the value is the number as written before ``%``: ``95%`` is
    ``Decimal("95")``. ``text`` is the cell text unchanged; ``kind`` says what was found
    (``"quantity"`` or why not) and ``notes`` lists every liberty taken while reading.

    Example:
        >>> t = parse_target("人均≤2000 元")
        >>> (t.direction, t.value, t.unit, t.subject)
        ('<=', Decimal('2000'), '元', '人均')
    """

    direction: Direction
    value: Decimal | None
    unit: str
    text: str
    percent: bool
    subject: str = ""
    suffix: str = ""
    kind: TargetKind = "quantity"
    bare: bool = False
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        qualitative = self.direction == "qualitative"
        if qualitative != (self.value is None) or qualitative != (self.kind != "quantity"):
            raise ValueError(
                f"inconsistent Target: direction={self.direction!r}, value={self.value!r}, "
                f"kind={self.kind!r} (a quantity has a value, a qualitative target has none)"
            )

    @property
    def is_quantitative(self) -> bool:
        """True when the target is a number the score formula can use.

        Example:
            >>> parse_target("≥95%").is_quantitative, parse_target("优秀").is_quantitative
            (True, False)
        """
        return self.direction != "qualitative"

    @property
    def reason(self) -> str:
        """Why the target is qualitative ("" for a quantity), for the caller's report.

        Example:
            >>> parse_target("2022年12月底").reason
            'a date or deadline, not a quantity'
        """
        return TARGET_REASONS[self.kind][1]

    @property
    def reason_zh(self) -> str:
        """:attr:`reason` in Chinese, as a department reads it (D203).

        Example:
            >>> parse_target("约100人").reason_zh
            '是约数（约、左右、余、多），没有确切的指标值'
        """
        return TARGET_REASONS[self.kind][0]


# --------------------------------------------------------------------------- normalising

_TRANSLATE = {
    **{0xFF10 + i: ord("0") + i for i in range(10)},
    **{0xFF21 + i: ord("A") + i for i in range(26)},
    **{0xFF41 + i: ord("a") + i for i in range(26)},
    **str.maketrans("％＜＝＞﹤﹦﹥．／＋－−≧⩾≦⩽\r", "%<=><=>./+--≥≥≤≤\n"),
}

# Two-character operators, applied in order after the character translation.
_DIGRAPHS: tuple[tuple[str, str, str | None], ...] = (
    ("》=", "≥", "read '》=' as '≥'"),
    ("《=", "≤", "read '《=' as '≤'"),
    (">=", "≥", None),
    ("=>", "≥", None),
    ("<=", "≤", None),
    ("=<", "≤", None),
    ("==", "=", None),
)

# A subject ending in one of these must not be followed by a written ``=`` (a digraph).
_GLUES_TO_EQUALS = tuple({pair[0] for pair, _, _ in _DIGRAPHS if pair[1] == "="})
_SPACE_RE = re.compile(r"\s+")
_EDGE_PUNCT = " \t\n；;，,。、:：!！?？"
_CLAUSE_RE = re.compile(r"[，,；;。!！?？\n]")
_PLACEHOLDER_RE = re.compile(r"[-—–―_/\\…·.。*、\s]*")
_DIGIT_RUN_RE = re.compile(r"[0-9]+(?:[.,][0-9]+)*")
_NUMBER_RE = re.compile(r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?")
_GROUP_COMMA_RE = re.compile(r"(?<=[0-9]),(?=[0-9])")
_DATE_RE = re.compile(
    r"[0-9]{4}年"
    r"|[0-9]月"
    r"|[0-9]{4}[-/][0-9]{1,2}"
    r"|[0-9]{4}\.[0-9]{1,2}\.[0-9]{1,2}"
    r"|年底|年末|年初|月底|月末|月初|上半年|下半年"
)


def _normalise(text: str) -> tuple[str, list[str]]:
    notes: list[str] = []
    s = text.translate(_TRANSLATE)
    # A line break inside the cell separates clauses; other whitespace is dropped except
    # between two digits, where it keeps two numbers apart.
    s = s.strip().replace("\n", "；")

    def _space(m: re.Match[str]) -> str:
        before = s[m.start() - 1] if m.start() else ""
        after = s[m.end()] if m.end() < len(s) else ""
        return (
            " "
            if before.isascii() and before.isdigit() and after.isascii() and after.isdigit()
            else ""
        )

    s = _SPACE_RE.sub(_space, s)
    for pair, replacement, note in _DIGRAPHS:
        if pair in s:
            s = s.replace(pair, replacement)
            if note:
                notes.append(note)
    return s.strip(_EDGE_PUNCT), notes


# ------------------------------------------------------------------------------ operators

# word -> (direction, strict)
_PRE_WORDS: dict[str, tuple[BareDirection, bool]] = {
    "大于或等于": (">=", False),
    "大于等于": (">=", False),
    "不低于": (">=", False),
    "不少于": (">=", False),
    "不小于": (">=", False),
    "不得低于": (">=", False),
    "不得少于": (">=", False),
    "至少": (">=", False),
    "最少": (">=", False),
    "最低": (">=", False),
    "达到": (">=", False),
    "达": (">=", False),
    "高于": (">=", True),
    "超过": (">=", True),
    "大于": (">=", True),
    "多于": (">=", True),
    "小于或等于": ("<=", False),
    "小于等于": ("<=", False),
    "不高于": ("<=", False),
    "不超过": ("<=", False),
    "不大于": ("<=", False),
    "不多于": ("<=", False),
    "不得超过": ("<=", False),
    "不得高于": ("<=", False),
    "至多": ("<=", False),
    "最多": ("<=", False),
    "最高": ("<=", False),
    "控制在": ("<=", False),
    "低于": ("<=", True),
    "少于": ("<=", True),
    "小于": ("<=", True),
    "等于": ("=", False),
    "为": ("=", False),
    "是": ("=", False),
}
_PRE_WORDS_LONGEST = sorted(_PRE_WORDS, key=len, reverse=True)
# 达 is a verb ending in other verbs too: 下达 (allocate) 100万元 is no lower bound.
_NOT_DA = ("下达", "传达", "表达", "送达", "转达")
_REFINABLE_WORDS = ("为", "是")

_PRE_SYMBOLS: dict[str, tuple[BareDirection, bool]] = {
    "≥": (">=", False),
    "≤": ("<=", False),
    "=": ("=", False),
    ">": (">=", True),
    "<": ("<=", True),
}

_POST_WORDS: dict[str, BareDirection] = {
    "及以上": ">=",
    "或以上": ">=",
    "以上": ">=",
    "及以下": "<=",
    "或以下": "<=",
    "以下": "<=",
    "以内": "<=",
    "之内": "<=",
}
_POST_WORDS_LONGEST = tuple(sorted(_POST_WORDS, key=len, reverse=True))

_OPERATOR_CHARS_RE = re.compile(r"[≥≤=<>]")

_APPROX_BEFORE = ("大约", "将近", "接近", "约", "近")
_APPROX_AFTER = ("余", "多", "来")
_APPROX_POST = ("左右",)

# ---------------------------------------------------------------------------------- units

# Units and measure words, longest match first; extend as new ones turn up in returns.
_UNIT_WORDS = """
个百分点 百分点 万人次 人次 万人 万元 亿元 千元 万 亿 元 人 个月 个 份 次 册 场次 场 期 篇
家 名 件 项 户 台 辆 套 座 所 本 条 批次 批 班次 课时 学时 小时 分钟 工作日 天 日 周 年 分
公里 千米 平方米 立方米 米 亩 公顷 吨 千克 公斤 株 棵 头 只 处 村 栋 间 张 部 支 组 队 门
节 轮 起 例 宗 单 笔 卷 页 字 人月 ‰ km kg m² ㎡ m³ GB TB
"""
_UNITS = tuple(_UNIT_WORDS.split())
_UNITS_LONGEST = sorted(set(_UNITS), key=len, reverse=True)
_UNIT_FALLBACK_RE = re.compile(r"[^\W\d_]{1,3}")


def _match_unit(rest: str) -> str | None:
    """The longest listed unit at the start of ``rest`` with its ``/x`` or ``·x`` parts."""
    base = next((u for u in _UNITS_LONGEST if rest.startswith(u)), None)
    if base is None:
        return None
    if base in ("万", "亿"):  # 万亩, 亿元: a magnitude prefix joins the unit that follows it
        after = next((u for u in _UNITS_LONGEST if rest[len(base):].startswith(u) and u not in ("万", "亿")), None)
        if after is not None:
            base += after
    unit = base
    while len(unit) < len(rest) and rest[len(unit)] in "/·":
        tail = rest[len(unit) + 1 :]
        part = next((u for u in _UNITS_LONGEST if tail.startswith(u)), None)
        if part is None:
            if tail and tail[0].isalpha() and not tail.startswith(_POST_WORDS_LONGEST):
                part = tail[0]
            else:
                break
        unit += rest[len(unit)] + part
    return unit


def _qualitative(text: str, kind: TargetKind, notes: list[str]) -> Target:
    return Target("qualitative", None, "", text, False, kind=kind, notes=tuple(notes))


# ---------------------------------------------------------------------------------- parse


class _NotAQuantity(Exception):
    """Internal: the text is read as qualitative, for ``reason`` (codes.data.TARGET_REASONS)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_target(text: str, bare_direction: BareDirection = ">=") -> Target:
    """Read a declared target; never raises for any ``str`` (see the module rules).

    ``bare_direction`` is the direction of a quantity written without any operator
    (``1个``, ``962.44万元``); the result then has ``bare=True``. A bare zero reads ``"="``.
    Raises ``ValueError`` only for an invalid ``bare_direction``.

    Example:
        >>> t = parse_target("９６２．４４万元", bare_direction="<=")
        >>> (t.direction, t.value, t.unit, t.bare)
        ('<=', Decimal('962.44'), '万元', True)
        >>> parse_target("培训次数≥4次，培训人数≥400人").kind
        'multiple'
    """
    if bare_direction not in (">=", "<=", "="):
        raise ValueError(f"bare_direction must be '>=', '<=' or '=', not {bare_direction!r}")
    if not isinstance(text, str):  # defensive: a cell value that is not text
        text = "" if text is None else str(text)
    s, notes = _normalise(text)
    try:
        return _quantity(text, s, notes, bare_direction)
    except _NotAQuantity as why:
        return _qualitative(text, why.reason, notes)


def _quantity(text: str, s: str, notes: list[str], bare_direction: BareDirection) -> Target:
    """The target as a quantity: one number, an operator before or after it, a unit."""
    run = _single_number(s)
    prefix, rest = s[: run.start()], s[run.end() :]
    digits = run.group().replace(",", "")
    if prefix.endswith("-"):
        digits, prefix = "-" + digits, prefix[:-1]
    elif prefix.endswith("+"):
        prefix = prefix[:-1]
    value = Decimal(digits)
    if prefix.endswith(_APPROX_BEFORE) or rest.startswith(_APPROX_AFTER):
        raise _NotAQuantity("approximate")
    pre, pre_word, prefix = _operator_before(prefix, notes)
    subject = prefix.rstrip(":：")
    unit, percent, unlisted, rest = _unit_after(rest)
    post_word = next((w for w in _POST_WORDS_LONGEST if rest.startswith(w)), None)
    post: BareDirection | None = None
    if post_word is not None:
        post = _POST_WORDS[post_word]
        rest = rest[len(post_word) :]
    suffix = rest
    if _OPERATOR_CHARS_RE.search(subject + suffix) or (suffix and (unlisted or not unit)):
        # A second operator (``≥5以上≥``), or text after a number whose unit is unlisted
        # or missing (``≥5颗以上粒``, ``≥5以上人``): where the unit ends is a guess.
        raise _NotAQuantity("unclear")
    if post_word and suffix and _joins_unit(unit, suffix):
        # ``5个以上以下``, ``5万以上元``, ``5年以上底``: without the post-operator (the
        # display drops it) the suffix would be an operator, part of the unit or a date.
        raise _NotAQuantity("unclear")
    direction = _direction(pre, pre_word, post, bare_direction, value, notes,
                           unanchored=bool(subject or suffix))
    return Target(direction=direction, value=value, unit=unit, text=text, percent=percent, subject=subject,
                  suffix=suffix, kind="quantity", bare=pre is None and post is None, notes=tuple(notes))


def _single_number(s: str) -> re.Match[str]:
    """The one number of the text; anything else (no number, several, a date) is qualitative."""
    if _PLACEHOLDER_RE.fullmatch(s):
        raise _NotAQuantity("empty")
    if _DATE_RE.search(_GROUP_COMMA_RE.sub("", s)):
        raise _NotAQuantity("date")
    runs = list(_DIGIT_RUN_RE.finditer(s))
    if not runs:
        raise _NotAQuantity("text")
    if len(runs) > 1:
        raise _NotAQuantity("multiple")
    run = runs[0]
    if _CLAUSE_RE.search(s[: run.start()]) or _CLAUSE_RE.search(s[run.end() :]):
        raise _NotAQuantity("multiple")
    if not _NUMBER_RE.fullmatch(run.group()):
        raise _NotAQuantity("unclear")  # e.g. 1,23 or 1.2.3
    return run


def _joins_unit(unit: str, suffix: str) -> bool:
    """True when ``suffix`` written right after ``unit`` reads as more than unit then suffix."""
    joined = unit + suffix
    return (suffix.startswith(_POST_WORDS_LONGEST) or _match_unit(joined) not in (None, unit)
            or bool(_DATE_RE.search(joined)))


def _operator_before(prefix: str, notes: list[str]) -> tuple[BareDirection | None, str, str]:
    """(direction, the word that said it, the prefix without it) of a symbol or word
    operator written before the number."""
    if prefix and prefix[-1] in _PRE_SYMBOLS:
        pre, strict = _PRE_SYMBOLS[prefix[-1]]
        if strict:
            notes.append(f"strict '{prefix[-1]}' read as '{_SYMBOL[pre]}'")
        return pre, "", prefix[:-1]
    word = next((w for w in _PRE_WORDS_LONGEST if prefix.endswith(w)), None)
    if word == "达" and prefix.endswith(_NOT_DA):
        word = None
    if word is None:
        return None, "", prefix
    pre, strict = _PRE_WORDS[word]
    if strict:
        notes.append(f"strict '{word}' read as '{_SYMBOL[pre]}'")
    return pre, word, prefix[: -len(word)]


def _unit_after(rest: str) -> tuple[str, bool, bool, str]:
    """(unit, is a percentage, unit not in the list, what follows the unit)."""
    if rest.startswith("%"):
        unit, percent = "%", True
    else:
        unit, percent = _match_unit(rest) or "", False
    rest = rest[len(unit) :]
    unlisted = False
    if not unit and rest and not rest.startswith((*_POST_WORDS_LONGEST, *_APPROX_POST)):
        # An unlisted unit: the letters up to a post-operator, if short enough.
        ends = [i for w in (*_POST_WORDS_LONGEST, *_APPROX_POST) if (i := rest.find(w)) > 0]
        cut = min(ends, default=len(rest))
        if not _UNIT_FALLBACK_RE.fullmatch(rest[:cut]):
            raise _NotAQuantity("unclear")
        unit, rest, unlisted = rest[:cut], rest[cut:], True
    if rest.startswith(_APPROX_POST):
        raise _NotAQuantity("approximate")
    return unit, percent, unlisted, rest


def _direction(pre: BareDirection | None, pre_word: str, post: BareDirection | None,
               bare_direction: BareDirection, value: Decimal, notes: list[str], *, unanchored: bool) -> BareDirection:
    """The one direction the operators before and after the number agree on."""
    if pre is None and post is None:
        if unanchored:  # ``人均2000元`` or ``2000元左右的``: a bare number with words around it
            raise _NotAQuantity("unclear")
        if value == 0 and bare_direction != "=":
            notes.append("bare 0 read as '='")
            return "="
        return bare_direction
    if pre is not None and (post is None or post == pre):
        return pre
    if post is not None and (pre is None or pre_word in _REFINABLE_WORDS):
        return post
    raise _NotAQuantity("conflict")


def format_target(t: Target) -> str:
    """Display a target: ``≥300份``, ``人均≤2000元``, ``1个`` (bare), or the text itself.

    A quantity is written subject, operator, number as declared, unit, suffix; a bare
    quantity is shown without operator, as the department wrote it. A qualitative target
    is shown as its text with the edges trimmed. ``parse_target(format_target(t))`` gives
    back the same direction, value, unit, subject and suffix.

    Example:
        >>> format_target(parse_target("满意率达到 90 % 以上"))
        '满意率≥90%'
        >>> format_target(parse_target("考核合格"))
        '考核合格'
    """
    if t.direction == "qualitative" or t.value is None:
        return t.text.strip()
    symbol = "" if t.bare else _SYMBOL[t.direction]
    if symbol == "=" and t.subject.endswith(_GLUES_TO_EQUALS):
        symbol = "为"  # ``》为0``: ``》=0`` would read as the digraph ``》=`` (≥)
    return f"{t.subject}{symbol}{format(t.value, 'f')}{t.unit}{t.suffix}"
