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

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Mark:
    """A 1-based position in a source file."""

    line: int
    col: int


class YamlError(ValueError):
    """Malformed YAML, with the position the parser stopped at."""

    def __init__(self, path: Path | str, mark: Mark, message: str) -> None:
        super().__init__(f"{path}:{mark.line}:{mark.col} {message}")
        self.path = str(path)
        self.mark = mark
        self.message = message


@dataclass
class Located:
    """Parsed YAML data with the positions of its keys and values."""

    data: Any
    marks: dict[Path_, Mark]
    key_marks: dict[Path_, Mark]
    source: str

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


def _construct(node: yaml.Node, path: Path_, located: Located, loader: yaml.SafeLoader) -> Any:
    located.marks[path] = _m(node)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if isinstance(key, (list, dict)):
                raise YamlError(located.source, _m(key_node), "T003 键必须是标量 (mapping key must be a scalar)")
            if key in out:
                raise YamlError(
                    located.source, _m(key_node), f"T002 键 {key!r} 重复 (duplicate key)"
                )
            located.key_marks[(*path, key)] = _m(key_node)
            out[key] = _construct(value_node, (*path, key), located, loader)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(n, (*path, i), located, loader) for i, n in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def loads(text: str, source: Path | str = "<string>") -> Located:
    """Parse YAML text, keeping marks; raise :class:`YamlError` on malformed input."""
    located = Located(data=None, marks={}, key_marks={}, source=str(source))
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        located.data = {} if node is None else _construct(node, (), located, loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = Mark(mark.line + 1, mark.column + 1) if mark else Mark(1, 1)
        problem = exc.problem or exc.context or "malformed YAML"
        raise YamlError(source, pos, f"T001 YAML 格式错误 (malformed YAML): {problem}") from None
    except yaml.YAMLError as exc:
        raise YamlError(source, Mark(1, 1), f"T001 YAML 格式错误 (malformed YAML): {exc}") from None
    finally:
        loader.dispose()
    return located


def load(path: Path) -> Located:
    """Read and parse a YAML file (UTF-8, a BOM tolerated)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise YamlError(path, Mark(1, 1), f"T001 文件不是 UTF-8 编码 (not UTF-8): {exc}") from None
    return loads(text, path)
