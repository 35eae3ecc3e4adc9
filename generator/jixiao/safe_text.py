"""Display text of a template (titles, notes, labels) rendered safely.

Template files come from outside the bureau's control as often as from inside it, so their
text is data, never code. A text may hold ``{{ expression }}`` placeholders over the
template's params (``{{ year }}``, ``{{ year - 1 }}``, ``{{ region }}``): names, constants,
arithmetic without powers, ``~`` concatenation, comparisons, ``if``-expressions and a few
filters. Everything else — statements (``{% for %}``, ``{% macro %}``), attribute and item
access (the route to ``__globals__``), calls, powers — is refused before rendering, by
walking jinja2's parse tree against that list. What remains runs in jinja2's immutable
sandbox, bounded in input and output length, so rendering takes time proportional to the
text and can neither run code nor hang.

>>> render("（{{ year }}年度）", {"year": 2023})
'（2023年度）'
>>> render("{{ cycler.__init__.__globals__ }}", {})
Traceback (most recent call last):
...
jixiao.safe_text.UnsafeText: 模板文本只能使用 {{ 参数 }} 表达式，不允许“属性访问”（第 1 行）
"""

from __future__ import annotations

import functools
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

#: Longest template text accepted, and longest rendered result (characters).
MAX_TEXT = 4000
MAX_OUTPUT = 20000

_ALLOWED_NODES: tuple[type[nodes.Node], ...] = (
    nodes.Template, nodes.Output, nodes.TemplateData, nodes.Name, nodes.Const,
    nodes.Add, nodes.Sub, nodes.Mul, nodes.Div, nodes.FloorDiv, nodes.Mod, nodes.Neg,
    nodes.Pos, nodes.Concat, nodes.Compare, nodes.Operand, nodes.CondExpr, nodes.And,
    nodes.Or, nodes.Not, nodes.Filter,
)
_ALLOWED_FILTERS = frozenset({"default", "d", "int", "float", "round", "string", "trim", "upper", "lower"})
_NODE_NAMES_ZH = {
    "Getattr": "属性访问", "Getitem": "下标访问", "Call": "函数调用", "Pow": "乘方",
    "For": "循环", "If": "条件语句", "Macro": "宏", "Assign": "赋值", "Include": "引用文件",
    "Import": "导入", "FromImport": "导入", "Extends": "继承", "Block": "块",
}


class UnsafeText(jinja2.TemplateError):
    """Template text that uses more than ``{{ param }}`` expressions, or cannot render.

    A :class:`jinja2.TemplateError`, so lint reports it where it reports any text that
    cannot render (T110).
    """


class _BoundedEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox, with ``*`` and ``+`` unable to build a string or list past MAX_OUTPUT
    (``'x' * 10**9`` would otherwise take gigabytes before the output check sees it)."""

    intercepted_binops = frozenset({"*", "+"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*" and isinstance(left, int) and isinstance(right, (str, list, tuple)):
            left, right = right, left
        if (operator == "*" and isinstance(left, (str, list, tuple)) and isinstance(right, int)
                and len(left) * right > MAX_OUTPUT):
            raise UnsafeText(f"模板文本渲染结果过长：超过 {MAX_OUTPUT} 个字符")
        return super().call_binop(context, operator, left, right)


@functools.cache
def _environment() -> ImmutableSandboxedEnvironment:
    return _BoundedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False)


def _check(tree: nodes.Node) -> None:
    for node in tree.find_all(nodes.Node):
        if not isinstance(node, _ALLOWED_NODES):
            kind = type(node).__name__
            raise UnsafeText(f"模板文本只能使用 {{{{ 参数 }}}} 表达式，不允许“{_NODE_NAMES_ZH.get(kind, kind)}”"
                             f"（第 {node.lineno} 行）")
        if isinstance(node, nodes.Filter) and node.name not in _ALLOWED_FILTERS:
            raise UnsafeText(f"模板文本不允许使用过滤器 {node.name!r}（可用：{', '.join(sorted(_ALLOWED_FILTERS))}）")


@functools.lru_cache(maxsize=512)
def _compiled(text: str) -> jinja2.Template:
    env = _environment()
    _check(env.parse(text))
    return env.from_string(text)


def render(text: str, values: dict[str, Any]) -> str:
    """Render ``text`` with ``values``; raise :class:`UnsafeText` (or another
    :class:`jinja2.TemplateError`, such as an undefined name) on anything else."""
    if "{" not in text:
        return text
    if len(text) > MAX_TEXT:
        raise UnsafeText(f"模板文本过长：{len(text)} 个字符，上限 {MAX_TEXT}")
    template = _compiled(text)
    try:
        out = template.render(values)
    except jinja2.TemplateError:
        raise
    except (ArithmeticError, TypeError, ValueError, RecursionError) as exc:
        raise UnsafeText(f"模板文本无法计算：{type(exc).__name__}: {exc}") from None
    if len(out) > MAX_OUTPUT:
        raise UnsafeText(f"模板文本渲染结果过长：{len(out)} 个字符，上限 {MAX_OUTPUT}")
    return out
