"""YAML loading that remembers where every key and value came from.

Lint and template errors point at ``file:line:col`` in the bureau's YAML file, so the
loader keeps a map from each value's path (``("sheets", 0, "indicators")``) to its mark.
Only mappings and sequences are tracked; that is all the error messages need.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..codes import Message
from ..codes import template as T

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Mark:
    """A 1-based position in a source file."""

    line: int
    col: int


class YamlError(ValueError):
    """Malformed YAML, with the position the parser stopped at and its T code's message."""

    def __init__(self, path: Path | str, mark: Mark, message: Message) -> None:
        super().__init__(f"{path}:{mark.line}:{mark.col} {message.code} {message}")
        self.path = str(path)
        self.mark = mark
        self.code = message.code
        self.message = str(message)


@dataclass
class Located:
    """Parsed YAML data with the positions of its keys and values."""

    data: Any
    marks: dict[Path_, Mark]
    key_marks: dict[Path_, Mark]
    source: str
    nodes: int = 0  # nodes constructed so far, aliases counted each time they are expanded

    def mark(self, path: Path_) -> Mark:
        """The closest known position for ``path`` (walking up to a parent if needed).

        >>> doc = loads("a:\\n  b: [1, 2]\\n", "t.yaml")
        >>> doc.mark(("a", "b", 1))
        Mark(line=2, col=10)
        """
        p = tuple(path)
        while p:
            if p in self.marks:
                return self.marks[p]
            p = p[:-1]
        return self.marks.get((), Mark(1, 1))


def _m(node: yaml.Node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


#: Most nodes one document may expand to. Aliases make a small file expand exponentially
#: (the "billion laughs" shape: 600 bytes, 10^9 nodes); every node counts, aliases each time.
MAX_NODES = 200_000


def _construct(node: yaml.Node, path: Path_, located: Located, loader: yaml.SafeLoader) -> Any:
    located.marks[path] = _m(node)
    located.nodes += 1
    if located.nodes > MAX_NODES:
        raise YamlError(located.source, _m(node), T.T001_TOO_MANY_NODES.format(limit=MAX_NODES))
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node, located, loader)
            if isinstance(key, (list, dict)):
                raise YamlError(located.source, _m(key_node), T.T003.format())
            if key in out:
                raise YamlError(located.source, _m(key_node), T.T002.format(key=key))
            located.key_marks[(*path, key)] = _m(key_node)
            out[key] = _construct(value_node, (*path, key), located, loader)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(n, (*path, i), located, loader) for i, n in enumerate(node.value)]
    return _scalar(node, located, loader)


def _scalar(node: yaml.Node, located: Located, loader: yaml.SafeLoader) -> Any:
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, OverflowError) as exc:  # a date such as 2023-02-30, a timestamp out of range
        text = node.value if isinstance(node.value, str) else ""
        raise YamlError(located.source, _m(node), T.T001_MALFORMED.format(problem=f"{text[:60]!r}: {exc}")) from None


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader without YAML 1.1's ``=`` (the "value" tag, which nothing can
    construct): a bare ``direction: =`` is the text ``=``, as the template model means."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:value"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _error_mark(exc: yaml.MarkedYAMLError) -> tuple[Any, str]:
    """Where a person looks for a syntax error, and what to say.

    An unclosed flow collection is found only at the next token (often the next line);
    the parser's context mark is the ``[`` or ``{`` that lacks its closing bracket.
    """
    problem = exc.problem or exc.context or "malformed YAML"
    if exc.context and exc.context_mark and exc.context.startswith("while parsing a flow"):
        return exc.context_mark, f"{exc.context}: {problem}"
    return exc.problem_mark or exc.context_mark, problem


def loads(text: str, source: Path | str = "<string>") -> Located:
    """Parse YAML text, keeping marks; raise :class:`YamlError` on malformed input.

    >>> loads("direction: =").data
    {'direction': '='}
    """
    located = Located(data=None, marks={}, key_marks={}, source=str(source))
    try:
        loader = _Loader(text)  # reads the text at once: a control character fails here
    except yaml.YAMLError as exc:
        raise YamlError(source, Mark(1, 1), T.T001_MALFORMED.format(problem=exc)) from None
    try:
        node = loader.get_single_node()
        located.data = {} if node is None else _construct(node, (), located, loader)
    except yaml.MarkedYAMLError as exc:
        mark, problem = _error_mark(exc)
        pos = Mark(mark.line + 1, mark.column + 1) if mark else Mark(1, 1)
        raise YamlError(source, pos, T.T001_MALFORMED.format(problem=problem)) from None
    except yaml.YAMLError as exc:
        raise YamlError(source, Mark(1, 1), T.T001_MALFORMED.format(problem=exc)) from None
    finally:
        loader.dispose()
    return located


def load_data(text: str, source: Path | str = "<string>") -> Any:
    """Plain data from YAML text, with the same node budget as templates (records, tables).

    >>> load_data("a: [1, 2]")
    {'a': [1, 2]}
    >>> load_data("a: &x [1, 2]\\nb: [*x, *x]")
    {'a': [1, 2], 'b': [[1, 2], [1, 2]]}
    """
    return loads(text, source).data


def load(path: Path) -> Located:
    """Read and parse a YAML file (UTF-8, a BOM tolerated)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise YamlError(path, Mark(1, 1), T.T001_NOT_UTF8.format(error=exc)) from None
    return loads(text, path)
