"""Tests for jixiao.prefill.targets: every 年度指标值 in the seeds, spelling variants, properties."""

from __future__ import annotations

import doctest
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jixiao.prefill import targets
from jixiao.prefill.targets import Target, TargetKind, format_target, parse_target

D = Decimal


def Q(  # noqa: N802 - a table constructor, read like a literal
    text: str,
    direction: str,
    value: str,
    unit: str = "",
    *,
    subject: str = "",
    suffix: str = "",
    bare: bool = False,
    notes: tuple[str, ...] = (),
) -> Target:
    """An expected quantity; ``percent`` follows from ``unit == "%"``."""
    return Target(
        direction,  # type: ignore[arg-type]
        D(value),
        unit,
        text,
        unit == "%",
        subject=subject,
        suffix=suffix,
        kind="quantity",
        bare=bare,
        notes=notes,
    )


def N(text: str, kind: TargetKind) -> Target:  # noqa: N802
    """An expected qualitative target of the given kind."""
    return Target("qualitative", None, "", text, False, kind=kind)


BARE0 = ("bare 0 read as '='",)

# Every 年度指标值 (declared target) cell of the seeds' self-evaluation forms, as extracted
# (seed 002 keeps its leading full-width spaces and in-cell line breaks).
SEED_TARGETS: list[tuple[str, Target]] = [
    # seed 000 (黔南州直机关工委, 2023)
    ("000", N("培训次数≥4次，培训人数≥400人", "multiple")),
    ("000", N("会议次数≥2次，参会人数≥200人", "multiple")),
    (
        "000",
        N("1. 在州直机关开展≥1次联动督导； 2. 开展全州模范机关推进（观摩）会≥1次；", "multiple"),
    ),
    ("000", N("1. 开展党建巡察评估≥1次。2. 开展基层党建述职工作≥1次。", "multiple")),
    (
        "000",
        N(
            "1. 对76家基层党组织266个党支部全覆盖。 2. 扩大机关党建影响力，宣传次数≥4次，"
            "全面展现黔南州在抓机关党建中取得的经验、成效，作为可借鉴、可复制、可持续的"
            "黔南经验进行推广。",
            "multiple",
        ),
    ),
    (
        "000",
        Q(
            "组织州直机关党员志愿者集中开展“微心愿行动”或党员志愿服务等志愿活动≥1次",
            ">=",
            "1",
            "次",
            subject="组织州直机关党员志愿者集中开展“微心愿行动”或党员志愿服务等志愿活动",
        ),
    ),
    ("000", Q("100%", ">=", "100", "%", bare=True)),
    ("000", Q("≥76个", ">=", "76", "个")),
    ("000", N("良好", "text")),
    ("000", N("2023年1月至12月", "date")),
    ("000", Q("342.68万元", ">=", "342.68", "万元", bare=True)),
    ("000", Q("26.43万元", ">=", "26.43", "万元", bare=True)),
    ("000", Q("90.50万元", ">=", "90.50", "万元", bare=True)),
    ("000", N("有所提高", "text")),
    ("000", N("有所提升", "text")),
    ("000", N("有所加强", "text")),
    # seed 001 (黔南州委组织部, 2022)
    ("001", Q("1个", ">=", "1", "个", bare=True)),
    ("001", Q("≥300份", ">=", "300", "份")),
    ("001", Q("≥100次", ">=", "100", "次")),
    ("001", Q("≥80次", ">=", "80", "次")),
    ("001", Q("≥50次", ">=", "50", "次")),
    ("001", Q("≥290人", ">=", "290", "人")),
    ("001", Q("≥3000人", ">=", "3000", "人")),
    ("001", Q("≥60次", ">=", "60", "次")),
    ("001", Q("13个", ">=", "13", "个", bare=True)),
    ("001", N("按时保质完成", "text")),
    ("001", N("优秀", "text")),
    ("001", N("2022年12月底", "date")),
    ("001", Q("962.44万元", ">=", "962.44", "万元", bare=True)),
    ("001", Q("166.35万元", ">=", "166.35", "万元", bare=True)),
    ("001", Q("233.87万元", ">=", "233.87", "万元", bare=True)),
    ("001", Q("3331.80万元", ">=", "3331.80", "万元", bare=True)),
    ("001", Q("525.00万元", ">=", "525.00", "万元", bare=True)),
    ("001", Q("2000万元", ">=", "2000", "万元", bare=True)),
    ("001", Q("≥95%", ">=", "95", "%")),
    ("001", Q("≥98%", ">=", "98", "%")),
    # seed 002 (娄底市直机关工委, 2021): indicator text copied into the value column
    ("002", N("\u3000指标1：财政全额拨款工委在职干部职工20人", "multiple")),
    (
        "002",
        N(
            "\u3000计划开展一期党员发展对象培训班，培训人数为220人，培训时间为五天；\n"
            "计划开展两期市直机关党务干部培训班，培训人数为200人，培训时间为十天；",
            "multiple",
        ),
    ),
    (
        "002",
        N(
            "计划对市直97家正处级单位及二级机构的工作纪律进行五到六次不定期工作纪律巡查巡查经费",
            "unclear",
        ),
    ),
    ("002", N("开展市直机关党员志愿服务和慰问困难群众", "text")),
    ("002", N("组织开展中心城区“文明院落”创建评选和党员志愿者文明交通劝导", "text")),
    ("002", Q("\u3000保障率为100%", "=", "100", "%", subject="保障率")),
    (
        "002",
        N(
            "\u3000市直机关党员发展对象参与率为90%；\n"
            "市直机关党务干部及基层党组织书记参与率为30%；",
            "multiple",
        ),
    ),
    ("002", N("对市直84家正处级单位及二级机构进行全面覆盖，督查率为100%", "multiple")),
    ("002", Q("市直机关各个单位参与率为80%；", "=", "80", "%", subject="市直机关各个单位参与率")),
    ("002", N("\u3000指标5：市直机关各单位参与率为100%", "multiple")),
    (
        "002",
        N(
            "\u3000人员工资、公务交通补贴、住房公积金、医疗保险金、医疗保险金等按月保障；"
            "办公经费、电话费等按拨付情况逐月保障；",
            "text",
        ),
    ),
    ("002", N("\u3000重点巡查春节、清明、五一、十一、元旦等重大节假日前后的工作纪律情况", "text")),
    ("002", N("", "empty")),
    ("002", N("\u3000", "empty")),
    (
        "002",
        Q(
            "\u3000人员经费平均为18.14万每人每年",
            "=",
            "18.14",
            "万",
            subject="人员经费平均",
            suffix="每人每年",
        ),
    ),
    (
        "002",
        N(
            "每次督查预计组织5个督查组，20人，开展2次督查，差旅费、租车费一共2.2万元，"
            "平均每次督查经费为1.1万元",
            "multiple",
        ),
    ),
    (
        "002",
        N(
            "市直机关14466名党员，共计购买有关书籍、党员读物11.5万元、投入经费10余万元"
            "改版优化《娄底机关党建网》",
            "multiple",
        ),
    ),
    (
        "002",
        N(
            "\u3000促使市直84家正处级单位及二级机构的工作纪律尤其是上下班违纪率、通报率"
            "较上年度下降30%以上",
            "multiple",
        ),
    ),
    (
        "002",
        N(
            "\u3000在重点项目一线开展“党旗飘扬、党徽闪耀”活动，市直机关党组织战斗堡垒作用、"
            "党员先锋模范作用在“六稳”“六保”、项目建设、基层治理等一线充分发挥",
            "text",
        ),
    ),
    (
        "002",
        Q("\u3000参加培训的合格率保障到95%以上", ">=", "95", "%", subject="参加培训的合格率保障到"),
    ),
    ("002", Q("\u3000保障满意率为100%", "=", "100", "%", subject="保障满意率")),
    ("002", N("培训党员发展对象满意率100%；市直机关党务干部满意率95%；", "multiple")),
    ("002", N("提升社会各界群众对机关工作的满意度", "text")),
    (
        "002",
        Q(
            "\u3000市直机关广大党员民意调查满意率达到90%以上",
            ">=",
            "90",
            "%",
            subject="市直机关广大党员民意调查满意率",
        ),
    ),
    # seed 004 附件2 (益阳市委组织部 部门整体, 2023)
    ("004", Q("≥500 册", ">=", "500", "册")),
    ("004", Q("≥400 人次", ">=", "400", "人次")),
    ("004", Q("=100%", "=", "100", "%")),
    ("004", Q("≥1 次", ">=", "1", "次")),
    ("004", Q("≥10 次", ">=", "10", "次")),
    ("004", N("考核合格", "text")),
    ("004", Q("≥881 万元", ">=", "881", "万元")),
    ("004", Q("≤100%", "<=", "100", "%")),
    ("004", N("中长期保障", "text")),
    ("004", N("有效保障", "text")),
    ("004", N("不断提升", "text")),
    ("004", Q("≥90%", ">=", "90", "%")),
    # seed 004 附件3-1 (业务工作经费)
    ("004", N("根据实际工作需要录用", "text")),
    ("004", Q("0%", "=", "0", "%", bare=True, notes=BARE0)),
    ("004", Q("人均≤2000 元", "<=", "2000", "元", subject="人均")),
    ("004", N("持续保障", "text")),
    ("004", N("持续保证", "text")),
    # seed 004 附件3-2 (非公有制经济组织和社会组织党建工作经费)
    ("004", Q("≥4", ">=", "4")),
    ("004", Q("3000 元/个", ">=", "3000", "元/个", bare=True)),
    ("004", Q("≥95%", ">=", "95", "%")),
    ("004", N("2023 年年底", "date")),
    ("004", Q("≤100 万元", "<=", "100", "万元")),
    ("004", N("持续稳步提升", "text")),
    # seed 004 附件3-3 (党员集中教育培训经费); the PDF extraction split 全部
    ("004", Q("≥ 5 次", ">=", "5", "次")),
    ("004", Q("≥500 人", ">=", "500", "人")),
    ("004", Q("≥99.0%", ">=", "99.0", "%")),
    ("004", N("2023 年底全 部支付", "date")),
    ("004", Q("≤41.7 万元", "<=", "41.7", "万元")),
    ("004", N("不断增强", "text")),
    ("004", Q("≥99.5%", ">=", "99.5", "%")),
]


@pytest.mark.parametrize(
    ("seed", "expected"), SEED_TARGETS, ids=[f"{s}:{t.text.strip()[:16]}" for s, t in SEED_TARGETS]
)
def test_seed_targets(seed: str, expected: Target) -> None:
    got = parse_target(expected.text)
    assert got == expected
    assert (got.value is None) == (got.direction == "qualitative")
    if got.is_quantitative:
        assert got.reason == ""
    else:
        assert got.reason


def test_seed_table_covers_the_domain_list() -> None:
    """The target spellings of the domain primer (shared/DOMAIN.md, "How targets are written") are all in the seed table."""
    domain = [
        "≥300份", "≥ 5 次", "≥95%", "=100%", "≤100%", "≤100 万元", "人均≤2000 元", "3000 元/个",
        "1个", "13个", "962.44万元", "2023 年年底", "2022年12月底", "根据实际工作需要录用",
        "优秀", "良好", "考核合格", "有所提高", "不断提升", "中长期保障",
    ]  # fmt: skip
    table = {t.text for _, t in SEED_TARGETS}
    assert [d for d in domain if d not in table] == []


def test_value_is_exact_decimal_as_written() -> None:
    t = parse_target("≥99.0%")
    assert t.value == D("99.0") and str(t.value) == "99.0" and t.percent
    assert str(parse_target("3331.80万元").value) == "3331.80"


# -------------------------------------------------------------------- spelling variants

VARIANTS: list[tuple[str, str, str, str]] = [
    # full-width symbols and digits
    ("＞＝９５％", ">=", "95", "%"),
    ("＜＝１００万元", "<=", "100", "万元"),
    ("＝１００％", "=", "100", "%"),
    ("≧300份", ">=", "300", "份"),
    ("≦100%", "<=", "100", "%"),
    ("⩾5次", ">=", "5", "次"),
    ("⩽5次", "<=", "5", "次"),
    ("１２３．４万元", ">=", "123.4", "万元"),
    ("≥１２３．４万元", ">=", "123.4", "万元"),
    ("≥95％", ">=", "95", "%"),
    ("﹥=5次", ">=", "5", "次"),
    # ASCII digraphs
    (">=95%", ">=", "95", "%"),
    ("=>95%", ">=", "95", "%"),
    ("<=95%", "<=", "95", "%"),
    ("=<95%", "<=", "95", "%"),
    ("==100%", "=", "100", "%"),
    ("> = 95 %", ">=", "95", "%"),
    # words before the number
    ("不低于95%", ">=", "95", "%"),
    ("不少于300份", ">=", "300", "份"),
    ("至少1次", ">=", "1", "次"),
    ("大于等于5次", ">=", "5", "次"),
    ("大于或等于5次", ">=", "5", "次"),
    ("达到100%", ">=", "100", "%"),
    ("不超过100万元", "<=", "100", "万元"),
    ("不高于5%", "<=", "5", "%"),
    ("小于等于5%", "<=", "5", "%"),
    ("控制在100万元", "<=", "100", "万元"),
    ("等于100%", "=", "100", "%"),
    # words after the unit
    ("100%以上", ">=", "100", "%"),
    ("95%及以上", ">=", "95", "%"),
    ("5%以下", "<=", "5", "%"),
    ("100万元以内", "<=", "100", "万元"),
    ("30天之内", "<=", "30", "天"),
    # both, agreeing or refining 为
    ("不低于95%以上", ">=", "95", "%"),
    ("达到90%以上", ">=", "90", "%"),
    ("为95%以上", ">=", "95", "%"),
    # operators with values that need care
    ("=0起", "=", "0", "起"),
    ("≥0", ">=", "0", ""),
    ("≤0%", "<=", "0", "%"),
    ("≤-5%", "<=", "-5", "%"),
    ("≤－5%", "<=", "-5", "%"),
    ("≥1,234.5元", ">=", "1234.5", "元"),
    ("1,234.5", ">=", "1234.5", ""),
    ("≥4", ">=", "4", ""),
    ("≥12个月", ">=", "12", "个月"),
    ("≥2个百分点", ">=", "2", "个百分点"),
    ("≥5万人次", ">=", "5", "万人次"),
    ("≤500元/人·天", "<=", "500", "元/人·天"),
    ("≥5颗", ">=", "5", "颗"),  # an unlisted short unit is taken as written
    ("≥5颗以上", ">=", "5", "颗"),
    ("≥5‰", ">=", "5", "‰"),
]


@pytest.mark.parametrize(("text", "direction", "value", "unit"), VARIANTS)
def test_variants(text: str, direction: str, value: str, unit: str) -> None:
    t = parse_target(text)
    assert (t.kind, t.direction, t.value, t.unit) == ("quantity", direction, D(value), unit)
    assert t.percent == (unit == "%")
    assert not t.bare or text in ("１２３．４万元", "1,234.5")
    assert t.text == text


@pytest.mark.parametrize(
    ("text", "direction", "note"),
    [
        (">95%", ">=", "strict '>' read as '≥'"),
        ("＞95%", ">=", "strict '>' read as '≥'"),
        ("<5%", "<=", "strict '<' read as '≤'"),
        ("高于95%", ">=", "strict '高于' read as '≥'"),
        ("超过100人", ">=", "strict '超过' read as '≥'"),
        ("低于5%", "<=", "strict '低于' read as '≤'"),
        ("》=95%", ">=", "read '》=' as '≥'"),
        ("《=5%", "<=", "read '《=' as '≤'"),
    ],
)
def test_liberties_are_noted(text: str, direction: str, note: str) -> None:
    t = parse_target(text)
    assert t.direction == direction
    assert note in t.notes


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("≥95%以下", "conflict"),
        ("≤5次以上", "conflict"),
        ("约100人", "approximate"),
        ("大约100人", "approximate"),
        ("100人左右", "approximate"),
        ("10余次", "approximate"),
        ("100多人", "approximate"),
        ("1-2次", "multiple"),
        ("2-3个百分点", "multiple"),
        ("1 000元", "multiple"),
        ("≥300\n份", "multiple"),
        ("全覆盖，≥95%", "multiple"),
        ("1,23", "unclear"),
        ("1.2.3", "unclear"),
        ("≥5颗子弹头哈", "unclear"),
        ("5个以上以下", "unclear"),  # a second post-operator
        ("5万以上元", "unclear"),  # without 以上, 万元 would be the unit
        ("≥5年以上底", "unclear"),  # without 以上, 年底 would be a date
        ("下达100万元", "unclear"),  # 下达 is "allocate", not 达 "reach"
        ("全年100%", "unclear"),  # a bare number with text around it
        ("100%全覆盖", "unclear"),
        ("2023-12-31", "date"),
        ("2023/12", "date"),
        ("2023.12.31", "date"),
        ("12月底前", "date"),
        ("年底前完成", "date"),
        ("上半年", "date"),
        ("—", "empty"),
        ("——", "empty"),
        ("……", "empty"),
        ("/", "empty"),
        ("  \t ", "empty"),
        ("无", "text"),
        ("及时", "text"),
    ],
)
def test_qualitative_kinds(text: str, kind: str) -> None:
    t = parse_target(text)
    assert (t.direction, t.value, t.kind) == ("qualitative", None, kind)
    assert t.reason


def test_suffix_and_subject_are_kept() -> None:
    t = parse_target("在州直机关开展≥1次联动督导")
    assert (t.subject, t.direction, t.value, t.unit, t.suffix) == (
        "在州直机关开展",
        ">=",
        D(1),
        "次",
        "联动督导",
    )
    assert parse_target("满意度：≥95%").subject == "满意度"


def test_bare_direction_parameter() -> None:
    assert parse_target("962.44万元").direction == ">="
    cost = parse_target("962.44万元", bare_direction="<=")
    assert (cost.direction, cost.bare) == ("<=", True)
    assert parse_target("100%", bare_direction="=").direction == "="
    # a written operator wins over the parameter
    assert parse_target("≥881 万元", bare_direction="<=").direction == ">="
    # a bare zero reads "=" whatever the parameter
    for bare_direction in (">=", "<=", "="):
        assert parse_target("0%", bare_direction=bare_direction).direction == "="  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="bare_direction"):
        parse_target("1个", bare_direction="qualitative")  # type: ignore[arg-type]


def test_non_str_cell_values_do_not_raise() -> None:
    assert parse_target(None).kind == "empty"  # type: ignore[arg-type]
    assert parse_target(95).value == D(95)  # type: ignore[arg-type]


def test_target_rejects_inconsistent_construction() -> None:
    with pytest.raises(ValueError, match="inconsistent"):
        Target("qualitative", D(1), "", "x", False, kind="text")
    with pytest.raises(ValueError, match="inconsistent"):
        Target(">=", None, "", "x", False)
    with pytest.raises(ValueError, match="inconsistent"):
        Target(">=", D(1), "", "x", False, kind="text")


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("≥300份", "≥300份"),
        ("≥ 5 次", "≥5次"),
        ("＞＝９５％", "≥95%"),
        ("不超过 100 万元", "≤100万元"),
        ("人均≤2000 元", "人均≤2000元"),
        ("=100%", "=100%"),
        ("3000 元/个", "3000元/个"),
        ("3331.80万元", "3331.80万元"),
        ("≥99.0%", "≥99.0%"),
        ("95%以上", "≥95%"),
        ("\u3000保障率为100%", "保障率=100%"),
        ("  考核合格 ", "考核合格"),
        ("", ""),
    ],
)
def test_format_target(text: str, shown: str) -> None:
    assert format_target(parse_target(text)) == shown


def test_doctests() -> None:
    result = doctest.testmod(targets)
    assert result.attempted > 0 and result.failed == 0


# ----------------------------------------------------------------------------- properties

_ALPHABET = st.sampled_from(
    list(
        "0123456789０１２３.．,，%％≥≤≧≦=＝<>＜＞》《-－ \u3000\n；;。:：年月底以上下内约余多左右为达"
    )
    + ["不低于", "不超过", "万元", "元/个", "人次", "个", "次", "指标", "满意度", "—", "……"]
    + ["万", "元", "年", "月", "/", "·", "以内", "《规划》", "颗", "是", "等于", "﹥", "⩾", "+"]
)


_FIELDS = ("direction", "value", "unit", "percent", "subject", "suffix", "kind", "bare")


def _reads_back(text: str) -> None:
    """parse(format(parse(x))) == parse(x) in everything but the text and the notes."""
    t = parse_target(text)
    again = parse_target(format_target(t))
    assert [getattr(again, f) for f in _FIELDS] == [getattr(t, f) for f in _FIELDS], format_target(t)


@pytest.mark.parametrize(
    ("text", "shown", "direction"),
    [
        # 为 is written '=', and '》=' / '《=' are digraphs: the display must not make one
        ("》为0", "》为0", "="),
        ("《为３", "《为3", "="),
        ("《规划》为3个", "《规划》为3个", "="),
        ("》不低于5", "》≥5", ">="),
        ("满意度为95%", "满意度=95%", "="),
        ("开展5次以上联动督导", "开展≥5次联动督导", ">="),
    ],
)
def test_display_reads_back(text: str, shown: str, direction: str) -> None:
    assert (format_target(parse_target(text)), parse_target(text).direction) == (shown, direction)
    _reads_back(text)


@pytest.mark.parametrize("text", ["5元/吧", "≥5元/以上", "5元/x"])
def test_unit_part_after_slash_never_raises(text: str) -> None:
    """A '/' after a unit followed by an unlisted letter or a post-operator (a crash once)."""
    assert parse_target(text).kind in ("quantity", "unclear")
    _reads_back(text)


@settings(max_examples=3000)
@given(st.lists(_ALPHABET, max_size=8).map("".join))
def test_parse_format_parse_is_parse_on_target_like_text(text: str) -> None:
    _reads_back(text)


@settings(max_examples=1000)
@given(st.text())
def test_parse_format_parse_is_parse_on_any_text(text: str) -> None:
    _reads_back(text)


@given(st.text())
def test_never_raises_on_any_text(text: str) -> None:
    t = parse_target(text)
    assert t.text == text
    assert (t.value is None) == (t.direction == "qualitative") == (t.kind != "quantity")
    assert isinstance(format_target(t), str)


@given(st.lists(_ALPHABET, max_size=12).map("".join))
def test_never_raises_on_target_like_text(text: str) -> None:
    t = parse_target(text)
    assert t.text == text
    assert (t.value is None) == (t.direction == "qualitative")
    if t.is_quantitative:
        # what was read as a quantity reads back the same from its display form
        again = parse_target(format_target(t))
        fields = ("direction", "value", "unit", "percent", "subject", "suffix", "bare")
        assert [getattr(again, f) for f in fields] == [getattr(t, f) for f in fields]


_UNITS = ["", "%", "份", "次", "人", "人次", "个", "万元", "元", "元/个", "万元/人", "册", "天"]
_UNITS += ["个月", "个百分点", "起", "家", "颗", "‰", "km", "m²"]
_SUBJECTS = ["", "人均", "满意度", "培训人数", "参加培训的合格率", "（含）"]


@given(
    op=st.sampled_from([">=", "<=", "="]),
    number=st.decimals(
        min_value=-(10**9), max_value=10**12, places=3, allow_nan=False, allow_infinity=False
    )
    | st.integers(min_value=0, max_value=10**15).map(D),
    unit=st.sampled_from(_UNITS),
    subject=st.sampled_from(_SUBJECTS),
)
def test_format_then_parse_round_trips(op: str, number: Decimal, unit: str, subject: str) -> None:
    t = Target(op, number, unit, "", unit == "%", subject=subject)  # type: ignore[arg-type]
    back = parse_target(format_target(t))
    assert (back.direction, back.value, back.unit, back.percent, back.subject, back.bare) == (
        op,
        number,
        unit,
        unit == "%",
        subject,
        False,
    )


@given(
    number=st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False),
    unit=st.sampled_from(_UNITS),
    bare_direction=st.sampled_from([">=", "<=", "="]),
)
def test_bare_round_trips(number: Decimal, unit: str, bare_direction: str) -> None:
    t = parse_target(f"{number}{unit}", bare_direction=bare_direction)  # type: ignore[arg-type]
    assert t.bare and t.value == number and t.unit == unit
    assert t.direction == ("=" if number == 0 else bare_direction)
    assert parse_target(format_target(t), bare_direction=bare_direction) == Target(
        t.direction, t.value, t.unit, format_target(t), t.percent, bare=True, notes=t.notes
    )


def test_magnitude_prefix_joins_the_unit() -> None:
    """万/亿 before a listed unit is part of it: ≥2.5万亩 is 2.5 万亩, never 2.5 万 (lost 亩)."""
    for text, unit in (("≥2.5万亩", "万亩"), ("≥3万平方米", "万平方米"), ("≥1.5万公里", "万公里"),
                       ("≥2万册", "万册"), ("≥1亿元", "亿元"), ("≥3万", "万"), ("≥2万以上", "万")):
        t = parse_target(text)
        assert (t.kind, t.unit) == ("quantity", unit), text
