"""Loading form variants: YAML -> ``extends`` merged -> validated :class:`Template`.

``extends: other-id`` names another variant in the same folder (``other-id.yaml``); the
child's mappings are merged key by key over the parent's, and any other value (a list,
a string) replaces the parent's whole. Text rendered for display (titles) goes through
jinja2 with the variant's ``params`` (year, region, department ...).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from . import model, safe_text
from .codes import Message
from .codes import template as T
from .model import ID_PATTERN, Template
from .paths import TemplateSearchPath
from .yamlload import Located, Mark, YamlError, load


@dataclass(frozen=True)
class Problem:
    """One problem in a template file, as lint prints it."""

    path: str
    line: int
    col: int
    code: str
    message: str

    @classmethod
    def at(cls, path: str | Path, line: int, col: int, message: Message) -> Problem:
        """The problem a catalogue message describes, at ``path:line:col``."""
        return cls(str(path), line, col, message.code, str(message))

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col} {self.code} {self.message}"


class TemplateError(ValueError):
    """A template that cannot be used, with every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def deep_merge(base: Any, override: Any) -> Any:
    """Merge ``override`` over ``base``: mappings key by key, anything else replaced.

    >>> deep_merge({"a": {"x": 1, "y": 2}, "b": [1]}, {"a": {"y": 3}, "b": [2]})
    {'a': {'x': 1, 'y': 3}, 'b': [2]}
    """
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = deep_merge(base[key], value) if key in base else value
        return merged
    return override


def find_template(name: str | Path, folder: Path | None = None,
                  search: TemplateSearchPath | None = None) -> Path:
    """A template by path, or by id in ``folder`` or along ``search`` (by default
    $JIXIAO_TEMPLATES, ./templates, the shipped folder)."""
    path = Path(name)
    if path.suffix in (".yaml", ".yml") and path.exists():
        return path
    folders = [folder] if folder else list((search or TemplateSearchPath.default()).folders)
    for f in folders:
        candidate = f / f"{name}.yaml"
        if candidate.exists():
            return candidate
    known = sorted({p.stem for f in folders for p in f.glob("*.yaml")})
    raise FileNotFoundError(f"模板 {str(name)!r} 不存在 (template not found); known: {', '.join(known)}")


@dataclass
class LoadedTemplate:
    """A validated template with the source documents it came from."""

    template: Template
    path: Path
    chain: list[Located]  # the file itself first, then the variants it extends

    def render_text(self, text: str, **extra: Any) -> str:
        """Render display text with the template's params (and ``extra``), sandboxed (safe_text).

        >>> t = load_template("guizhou-zhengti")
        >>> t.render_text("（{{ year }}年度）")
        '（2023年度）'
        """
        return safe_text.render(text, {**self.template.params, **extra})


#: What ``extends`` may name: an id, or an archived version of one (``archive/<id>@<version>.yaml``).
_PARENT_RE = re.compile(rf"{ID_PATTERN}(?:@\d{{1,9}})?")


def _resolve(path: Path, seen: list[Path], search: TemplateSearchPath) -> tuple[dict[str, Any], list[Located]]:
    located = load(path)
    data = located.data
    if not isinstance(data, dict):
        raise TemplateError([Problem.at(path, 1, 1, T.T004.format())])
    parent_id = data.get("extends")
    if parent_id is None:
        return data, [located]
    if not isinstance(parent_id, str):
        m = located.mark(("extends",))
        raise TemplateError([Problem.at(path, m.line, m.col, T.T005.format())])
    if not _PARENT_RE.fullmatch(parent_id):  # no path is ever made of what is not an id (NUL, "..", 300 chars)
        m = located.mark(("extends",))
        known = sorted(p.stem for p in path.parent.glob("*.yaml"))
        raise TemplateError([Problem.at(path, m.line, m.col, T.T007_UNKNOWN_PARENT.format(
            parent=parent_id[:80].encode("unicode_escape").decode("ascii"), known=", ".join(known)))])
    # The parent is looked for beside the child first, then along the search path, so a
    # bureau's own variant in ./templates can extend a shipped one by its id.
    candidates = [path.parent / f"{parent_id}.yaml", *(d / f"{parent_id}.yaml" for d in search.folders)]
    parent_path = next((c for c in candidates if c.exists()), candidates[0])
    if parent_path.resolve() in [p.resolve() for p in seen] or parent_path.resolve() == path.resolve():
        m = located.mark(("extends",))
        cycle = " -> ".join(p.stem for p in [*seen, path, parent_path])
        raise TemplateError([Problem.at(path, m.line, m.col, T.T006.format(cycle=cycle))])
    if not parent_path.exists():
        m = located.mark(("extends",))
        known = sorted(p.stem for p in path.parent.glob("*.yaml"))
        raise TemplateError([Problem.at(path, m.line, m.col,
                                        T.T007_UNKNOWN_PARENT.format(parent=parent_id, known=", ".join(known)))])
    parent_data, chain = _resolve(parent_path, [*seen, path], search)
    merged = deep_merge({k: v for k, v in parent_data.items() if k != "extends"}, data)
    return merged, [located, *chain]


def _locate(chain: list[Located], loc: tuple[Any, ...], *, key: bool = False) -> tuple[str, Mark]:
    """The file and position that best explain a problem at ``loc``.

    ``key=True`` points at the key (an unknown or missing key), otherwise at the value.
    """
    for doc in chain:  # the child first: the value most likely came from it
        p = tuple(loc)
        while p:
            if key and p in doc.key_marks:
                return doc.source, doc.key_marks[p]
            if p in doc.marks:
                return doc.source, doc.marks[p]
            p = p[:-1]
    return chain[0].source, Mark(1, 1)


def _fields_at(loc: tuple[Any, ...]) -> list[str]:
    """The allowed keys of the model at ``loc`` (for did-you-mean)."""
    current: Any = model.Template
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(part)
            if field is None:
                return []
            current = _inner_model(field.annotation, part)
        else:
            return []
    if current is None and loc and loc[0] == "sheets":
        return sorted({f for cls in (model.SelfEvaluationSheet, model.BasicDataSheet,
                                     model.ChecklistSheet) for f in cls.model_fields})
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _inner_model(annotation: Any, name: str) -> Any:
    args = getattr(annotation, "__args__", ()) or ()
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in args:
        found = _inner_model(arg, name)
        if found is not None:
            return found
    return None


def describe_validation_error(err: dict[str, Any], loc: tuple[Any, ...]) -> Message:
    """The T message (T010 to T013) of one pydantic error."""
    kind = err["type"]
    where = ".".join(str(x) for x in loc) or "(top)"
    if kind == "extra_forbidden":
        key = str(loc[-1])
        guess = difflib.get_close_matches(key, _fields_at(loc), n=1)
        if guess:
            return T.T010_GUESS.format(key=key, where=where, guess=guess[0])
        return T.T010.format(key=key, where=where)
    if kind == "missing":
        return T.T011.format(key=loc[-1], where=where)
    if kind == "union_tag_invalid":
        return T.T013.format(kind=err.get("input", {}).get("kind"))
    if kind in ("greater_than",) and loc and loc[-1] == "weight":
        return T.T012_WEIGHT.format(where=where, value=err.get("input"))
    return T.T012.format(where=where, value=err.get("input"), reason=err.get("msg", kind))


def validation_problems(exc: ValidationError, chain: list[Located]) -> list[Problem]:
    """Translate pydantic errors into ``file:line:col`` problems."""
    problems = []
    for err in exc.errors():
        loc = tuple(x for x in err["loc"] if not (isinstance(x, str) and x in _UNION_TAGS))
        message = describe_validation_error(err, loc)
        source, mark = _locate(chain, loc, key=message.code in (T.T010.id, T.T011.id))
        problems.append(Problem.at(source, mark.line, mark.col, message))
    return problems


_UNION_TAGS = {"self_evaluation", "basic_data", "checklist"}


def load_template(name: str | Path, folder: Path | None = None, *,
                  search: TemplateSearchPath | None = None) -> LoadedTemplate:
    """Load, merge and validate a template; raise :class:`TemplateError` with every problem.

    ``name`` is a file or an id looked up along ``search`` (which also finds the variant
    an ``extends`` names); by default :meth:`TemplateSearchPath.default`.

    >>> load_template("guizhou-zhengti").template.sheets[0].name
    '部门整体支出绩效自评表'
    """
    search = search or TemplateSearchPath.default()
    path = find_template(name, folder, search)
    try:
        data, chain = _resolve(path, [], search)
    except YamlError as exc:
        raise TemplateError([Problem(exc.path, exc.mark.line, exc.mark.col, exc.code, exc.message)]) from None
    try:
        template = Template.model_validate(data)
    except ValidationError as exc:
        raise TemplateError(validation_problems(exc, chain)) from None
    return LoadedTemplate(template=template, path=path, chain=chain)
