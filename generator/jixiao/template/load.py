"""Loading form variants: YAML -> ``extends`` merged -> validated :class:`Template`.

``extends: other-id`` names another variant in the same folder (``other-id.yaml``); the
child's mappings are merged key by key over the parent's, lists of keyed items (sheets,
rows, fields, levels) item by item, and any other value (a string, a list of notes)
replaces the parent's whole. Text rendered for display (titles) goes through
jinja2 with the variant's ``params`` (year, region, department ...).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .. import safe_text
from ..codes import Message
from ..codes import template as T
from ..paths import TemplateSearchPath
from . import model
from .model import ID_PATTERN, Template
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


#: The field that identifies an item of a list ``extends`` merges item by item (sheets by
#: ``id``; funds rows, fields, cost rows and checklist items by ``key``; levels and
#: sections by ``name``). Lists of anything else (notes, tiers, grades) are replaced whole.
MERGE_KEYS = ("id", "key", "name")
#: Markers a child's list item may carry: drop the parent's item, or put this one in its
#: place instead of merging the two.
REMOVE, REPLACE = "remove", "replace"
_ACTIONS = {REMOVE: "删除", REPLACE: "替换"}

Loc = tuple[Any, ...]


@dataclass
class Merge:
    """What merging a child over its parent did to list items, for error positions.

    ``child`` and ``parent`` map a list item's path in the child's or the parent's data to
    its path in the merged data (``None``: the item is not there, e.g. removed).
    """

    child: dict[Loc, Loc | None]
    parent: dict[Loc, Loc | None]
    problems: list[tuple[Loc, Message]]


def _merge_key(base: list[Any], override: list[Any]) -> str | None:
    """The identity field both lists' items have, if they are lists ``extends`` merges by key."""
    if not base or not all(isinstance(x, dict) for x in [*base, *override]):
        return None
    return next((k for k in MERGE_KEYS if all(k in x for x in base) and all(k in x for x in override)), None)


def deep_merge(base: Any, override: Any, merge: Merge | None = None, at: Loc = (),
               child_at: Loc = (), parent_at: Loc = ()) -> Any:
    """Merge ``override`` over ``base``: mappings key by key, lists of keyed items item by
    item (``remove: true`` drops the parent's item, ``replace: true`` replaces it; the
    parent's order is kept, a new item goes after the one the child lists before it),
    anything else replaced.

    >>> deep_merge({"a": {"x": 1, "y": 2}, "b": [1]}, {"a": {"y": 3}, "b": [2]})
    {'a': {'x': 1, 'y': 3}, 'b': [2]}
    >>> deep_merge([{"key": "a", "n": 1}, {"key": "b", "n": 2}, {"key": "c"}],
    ...            [{"key": "b", "remove": True}, {"key": "a", "n": 5}, {"key": "d"}])
    [{'key': 'a', 'n': 5}, {'key': 'd'}, {'key': 'c'}]
    """
    merge = merge if merge is not None else Merge({}, {}, [])
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for k, value in override.items():
            merged[k] = (deep_merge(base[k], value, merge, (*at, k), (*child_at, k), (*parent_at, k))
                         if k in base else value)
        return merged
    if isinstance(base, list) and isinstance(override, list):
        key = _merge_key(base, override)
        if key is not None:
            return _merge_list(base, override, key, merge, at, child_at, parent_at)
    return override


def _merge_list(base: list[dict[str, Any]], override: list[dict[str, Any]], key: str, merge: Merge,
                at: Loc, child_at: Loc, parent_at: Loc) -> list[Any]:
    """Keyed list items merged one by one, the parent's order kept (see :func:`deep_merge`)."""
    slots: list[tuple[Any, int | None, int | None]] = [(item, i, None) for i, item in enumerate(base)]
    index = {item[key]: n for n, item in enumerate(base)}
    new: list[int] = []
    for j, item in enumerate(override):
        n = index.get(item[key])
        marker = next((m for m in (REMOVE, REPLACE) if item.get(m) is True), None)
        if n is None:
            if marker is not None:  # nothing to remove or replace: a typo the bureau must see
                merge.problems.append(((*child_at, j, key), T.T014.format(key=key, value=item[key], marker=marker,
                                                                          action=_ACTIONS[marker])))
                merge.child[(*child_at, j)] = None
            else:
                new.append(j)
        elif marker == REMOVE:
            merge.child[(*child_at, j)] = None
            slots[n] = (None, slots[n][1], None)
        elif marker == REPLACE:
            merge.parent[(*parent_at, n)] = None
            slots[n] = ({k: v for k, v in item.items() if k != REPLACE}, None, j)
        else:
            slots[n] = (slots[n][0], slots[n][1], j)
    for j in new:
        slots.insert(_place(slots, override, j, key), (override[j], None, j))
    merged: list[Any] = []
    for item, i, j in slots:
        if item is None:
            merge.parent[(*parent_at, i)] = None
            continue
        here = (*at, len(merged))
        if j is not None:
            merge.child[(*child_at, j)] = here
        if i is not None:
            merge.parent[(*parent_at, i)] = here
        if i is not None and j is not None:
            item = deep_merge(item, override[j], merge, here, (*child_at, j), (*parent_at, i))
        merged.append(item)
    return merged


def _place(slots: list[tuple[Any, int | None, int | None]], override: list[dict[str, Any]], j: int,
           key: str) -> int:
    """Where the child's new item ``j`` goes: after the item the child lists before it, else
    before the one it lists after it, else at the end (so the child's order is kept
    around it: a new column written after 分值 follows 分值)."""
    def slot_of(other: int) -> int | None:
        wanted = override[other][key]
        return next((n for n, (item, _, _) in enumerate(slots) if item is not None and item[key] == wanted), None)

    for other in range(j - 1, -1, -1):
        n = slot_of(other)
        if n is not None:
            return n + 1
    for other in range(j + 1, len(override)):
        n = slot_of(other)
        if n is not None:
            return n
    return len(slots)


def _translate(loc: Loc, table: dict[Loc, Loc | None]) -> Loc | None:
    """A source document's path in the merged data (``None``: the item was not kept)."""
    out: Loc = ()
    for n, part in enumerate(loc):
        prefix = tuple(loc[:n + 1])
        if prefix in table:
            found = table[prefix]
            if found is None:
                return None
            out = found
        else:
            out = (*out, part)
    return out


def _rekey(doc: Located, table: dict[Loc, Loc | None]) -> Located:
    """``doc`` with its marks at the paths of the merged data, so errors about the merged
    template point into the file the value came from."""
    if not table:
        return doc

    def moved(marks: dict[Loc, Mark]) -> dict[Loc, Mark]:
        out = {}
        for path, mark in marks.items():
            new = _translate(path, table)
            if new is not None:
                out[new] = mark
        return out

    return Located(data=doc.data, marks=moved(doc.marks), key_marks=moved(doc.key_marks), source=doc.source,
                   nodes=doc.nodes)


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

    def with_params(self, params: Mapping[str, Any] | None, *, replace: bool = False) -> LoadedTemplate:
        """The same template built with other ``params`` (``--year 2024``): each value typed
        like the template's own (text from a command line converted), then validated as the
        template is (a year is a whole year). ``replace=True`` takes ``params`` as the whole
        set (a return's own, read back from it) instead of overriding the template's.

        >>> t = load_template("guizhou-zhengti").with_params({"year": "2024"})
        >>> t.template.params["year"], t.render_text("（{{ year }}年度）")
        (2024, '（2024年度）')
        """
        if not params:
            return self
        own = self.template.params
        typed = dict(params) if replace else {**own, **{k: _typed(self.template.id, own, k, v) for k, v in params.items()}}
        if typed == own:
            return self
        try:
            template = Template.model_validate({**self.template.model_dump(exclude_defaults=True), "params": typed})
        except ValidationError as exc:
            err = exc.errors()[0]
            if err["type"] == model.PARAM_TYPE:  # the year
                key, expected = err["ctx"]["key"], f"介于 {model.MIN_YEAR} 到 {model.MAX_YEAR} 之间的整数年度"
            else:  # a name or value no template may have (parameters read back from a return)
                key, expected = ".".join(map(str, err["loc"][1:2])) or "params", "小写英文名称，值为文字、数字或 true/false"
            raise ParamError(T.PARAM_TYPE.format(key=key, expected=expected, value=typed.get(key),
                                                 expected_en=err["msg"])) from None
        return LoadedTemplate(template, self.path, self.chain)

    def render_text(self, text: str, **extra: Any) -> str:
        """Render display text with the template's params (and ``extra``), sandboxed (safe_text).

        >>> t = load_template("guizhou-zhengti")
        >>> t.render_text("（{{ year }}年度）")
        '（2023年度）'
        """
        return safe_text.render(text, {**self.template.params, **extra})


class ParamError(ValueError):
    """A build parameter the template does not have, or of the wrong type (the message is
    Chinese with an English gloss)."""

    def __init__(self, text: tuple[str, str]) -> None:
        super().__init__(f"{text[0]} ({text[1]})")


_TYPE_NAMES = {bool: ("true 或 false", "true or false"), int: ("整数", "an integer"),
               float: ("数字", "a number"), str: ("文字", "text")}


def _typed(template_id: str, own: Mapping[str, Any], key: str, value: Any) -> Any:
    """``value`` as the type of the template's parameter ``key`` (text converted)."""
    if key not in own:
        raise ParamError(T.PARAM_UNKNOWN.format(template=template_id, key=key, known=", ".join(sorted(own)) or "-"))
    kind = type(own[key])
    if type(value) is kind or kind is float and type(value) is int:
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            if kind is bool and text.lower() in ("true", "false"):
                return text.lower() == "true"
            if kind in (int, float):
                return kind(text)
        except ValueError:
            pass
    zh, en = _TYPE_NAMES[kind]
    raise ParamError(T.PARAM_TYPE.format(key=key, expected=zh, value=value, expected_en=en))


def parse_param_args(args: Iterable[str]) -> dict[str, str]:
    """``key=value`` strings (``--param year=2024``, repeatable) as a mapping; ParamError
    for one without ``=``.

    >>> parse_param_args(["year=2024", "region=黔南州"])
    {'year': '2024', 'region': '黔南州'}
    """
    out: dict[str, str] = {}
    for arg in args:
        key, eq, value = arg.partition("=")
        if not eq or not key.strip():
            raise ParamError(T.PARAM_SYNTAX.format(text=arg))
        out[key.strip()] = value
    return out


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
        # Every template it could have meant: the child's folder and the whole search path.
        known = sorted({p.stem for d in [path.parent, *search.folders] for p in d.glob("*.yaml")} - {path.stem})
        guess = difflib.get_close_matches(parent_id, known, n=1)
        message = (T.T007_GUESS.format(parent=parent_id, guess=guess[0], known=", ".join(known)) if guess
                   else T.T007_UNKNOWN_PARENT.format(parent=parent_id, known=", ".join(known)))
        raise TemplateError([Problem.at(path, m.line, m.col, message)])
    parent_data, chain = _resolve(parent_path, [*seen, path], search)
    merge = Merge({}, {}, [])
    merged = deep_merge({k: v for k, v in parent_data.items() if k != "extends"}, data, merge)
    if merge.problems:
        raise TemplateError([Problem.at(path, *_at(located.mark(loc)), message) for loc, message in merge.problems])
    return merged, [_rekey(located, merge.child), *(_rekey(doc, merge.parent) for doc in chain)]


def _at(mark: Mark) -> tuple[int, int]:
    return mark.line, mark.col


def _locate(chain: list[Located], loc: tuple[Any, ...], *, key: bool = False) -> tuple[str, Mark]:
    """The file and position that best explain a problem at ``loc``.

    ``key=True`` points at the key (an unknown or missing key), otherwise at the value.
    The exact path is looked for in every file first (the child, then the variants it
    extends: a value the child does not set came from a parent), then its parents.
    """
    p = tuple(loc)
    while p:
        for doc in chain:  # the child first: the value most likely came from it
            if key and p in doc.key_marks:
                return doc.source, doc.key_marks[p]
            if p in doc.marks:
                return doc.source, doc.marks[p]
        p = p[:-1]
    return chain[0].source, Mark(1, 1)


def _fields_at(loc: tuple[Any, ...]) -> list[str]:
    """The allowed keys of the model at ``loc`` (for did-you-mean); ``loc`` as pydantic
    gives it, with the sheet kind's union tag (``("sheets", 0, "basic_data", "x")``)."""
    current: Any = model.Template
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if part in _UNION_TAGS:
            current = _UNION_TAGS[part]
        elif isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(part)
            if field is None:
                return []
            current = _inner_model(field.annotation, part)
        else:
            return []
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
    """The T message (T010 to T013, T105 for a duplicate sheet id) of one pydantic error."""
    kind = err["type"]
    where = ".".join(str(x) for x in loc) or "(top)"
    if kind == "extra_forbidden":
        key = str(loc[-1])
        guess = difflib.get_close_matches(key, _fields_at(tuple(err["loc"])), n=1)
        if guess:
            return T.T010_GUESS.format(key=key, where=where, guess=guess[0])
        return T.T010.format(key=key, where=where)
    if kind == "missing":
        return T.T011.format(key=loc[-1], where=where)
    if kind == "union_tag_not_found":
        return T.T011.format(key="kind", where=where)
    if kind == model.DUPLICATE_SHEET_ID:
        return T.T105_SHEET.format(id=err["ctx"]["id"])
    if kind == model.PARAM_TYPE:
        where = f"params.{err['ctx']['key']}"
        return T.T012.format(where=where, value=err["input"].get(err["ctx"]["key"]), reason=err["msg"])
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
        if err["type"] == model.DUPLICATE_SHEET_ID:
            loc = ("sheets", err["ctx"]["index"], "id")
        elif err["type"] == model.PARAM_TYPE:
            loc = ("params", err["ctx"]["key"])
        elif err["type"] == "union_tag_invalid":
            loc = (*loc, "kind")  # the value that names no kind, wherever it sits in the sheet
        source, mark = _locate(chain, loc, key=message.code in (T.T010.id, T.T011.id))
        problems.append(Problem.at(source, mark.line, mark.col, message))
    return problems


#: pydantic's union tag in an error's location: the sheet model it validated against.
_UNION_TAGS: dict[str, type[BaseModel]] = {
    "self_evaluation": model.SelfEvaluationSheet,
    "basic_data": model.BasicDataSheet,
    "checklist": model.ChecklistSheet,
}


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
