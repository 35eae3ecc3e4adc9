"""The one XML parser of the reader: defusedxml, in chunks, into a tree pruned as it grows.

A part is fed in 64 KiB chunks to defusedxml's parser (a DOCTYPE, an entity declaration
or an external entity is refused: R010), whose expat calls the C ``TreeBuilder``
directly, so no Python code runs per element while parsing. After each chunk the
elements that are complete are handed to the part's :class:`Walk`, counted against the
element budget and dropped from the tree: a part is read once, whatever its size, in
memory bounded by a chunk plus the element being built.

What a part's walk sees: *units* (local names it wants whole, e.g. ``row``,
``dataValidation``), given complete to ``unit(local, element)``; *containers* (e.g.
``sheetData``), whose children are walked; anything else is counted and skipped. The
root is a container.
"""

from __future__ import annotations

from collections.abc import Callable
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml.common import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from .errors import Refuse, detail, malformed
from .refs import unescape
from .zipparts import Budget

#: Bytes fed to the parser at a time; what is complete after each is walked and dropped.
CHUNK = 1 << 16

#: Tag -> local name, filled by :func:`local`; hot loops read it directly
#: (``LOCAL_NAMES.get(tag) or local(tag)``) to spare a call per element.
LOCAL_NAMES: dict[str, str] = {}


def local(tag: str) -> str:
    """``"uri}row"`` -> ``"row"`` (expat's namespace form; cached: parts repeat tags)."""
    name = LOCAL_NAMES.get(tag)
    if name is None:
        if len(LOCAL_NAMES) >= 4096:  # a hostile file's made-up tags must not pile up
            LOCAL_NAMES.clear()
        name = LOCAL_NAMES[tag] = tag[tag.rfind("}") + 1 :]
    return name


def count(el: Element) -> int:
    """Elements in a subtree, itself included."""
    return len(list(el.iter()))


class Walk:
    """What one part wants of its elements (see the module docstring)."""

    units: frozenset[str] = frozenset()
    containers: frozenset[str] = frozenset()
    #: Set by a walk that has all it wants: the rest of the part is not read.
    done: bool = False

    def unit(self, name: str, el: Element) -> None:
        raise NotImplementedError


#: Deeper nesting than this is no spreadsheet (an .xlsx part nests a dozen levels).
MAX_DEPTH = 100


def _visit(walk: Walk, el: Element, budget: Budget, depth: int = 1) -> None:
    tag = el.tag
    name = LOCAL_NAMES.get(tag) or local(tag)
    if name in walk.units:
        budget.elements += len(list(el.iter()))
        if budget.elements > budget.max_elements:
            raise budget.too_big()
        walk.unit(name, el)
    elif name in walk.containers:
        if depth > MAX_DEPTH:
            raise malformed(f"XML 嵌套超过 {MAX_DEPTH} 层", f"nesting deeper than {MAX_DEPTH}")
        budget.add_elements(1)
        for child in el:
            _visit(walk, child, budget, depth + 1)
    else:
        budget.add_elements(count(el))




def _drain(walk: Walk, root: Element, budget: Budget, part: str) -> None:
    """Walk and drop the complete children along the path of open elements: the last
    child of an open element may still be growing, so it waits for the next chunk. Inside
    an ignored element children are only counted; inside an open unit nothing is dropped,
    but what it holds already is checked against the element budget."""
    el, ignored, in_unit, held = root, False, False, 0
    for depth in range(MAX_DEPTH):
        n = len(el)
        if n == 0:
            return
        name = local(el.tag)
        in_unit = in_unit or name in walk.units
        # Below the root, an element that is neither unit nor container is skipped whole,
        # open or complete alike (what is read must not depend on where a chunk ends).
        ignored = ignored or (depth > 0 and not in_unit and name not in walk.containers)
        if in_unit:
            held += n
            if budget.elements + held > budget.max_elements:
                raise budget.too_big()
        elif n > 1:
            if ignored:
                budget.add_elements(count(el) - 1 - count(el[-1]))  # the complete children's subtrees
            else:
                for child in el[: n - 1]:
                    _visit(walk, child, budget)
            del el[: n - 1]
        el = el[-1]
    raise malformed(f"{part} 的 XML 嵌套过深", f"{part} nests deeper than {MAX_DEPTH}")


def parse(stream: object, part: str, walk: Walk, budget: Budget) -> str:
    """Parse ``part`` from ``stream`` (``read(n)``), walking its elements; returns the
    root's local name. Refusals: R010 (DTD), R011 (malformed XML), budgets."""
    builder = TreeBuilder()
    xp = DefusedXMLParser(target=builder, forbid_dtd=True)
    expat = xp.parser
    expat.ordered_attributes = 0
    roots: list[Element] = []

    def first_start(tag: str, attrs: dict[str, str]) -> Element:
        el = builder.start(tag, attrs)
        roots.append(el)
        expat.StartElementHandler = builder.start  # the C builder from now on
        return el

    expat.StartElementHandler = first_start
    expat.EndElementHandler = builder.end
    expat.CharacterDataHandler = builder.data
    read: Callable[[int], bytes] = stream.read  # type: ignore[attr-defined]
    try:
        while chunk := read(CHUNK):
            xp.feed(chunk)
            if roots:
                _drain(walk, roots[0], budget, part)
                if walk.done:
                    return local(roots[0].tag)
        root = xp.close()
    except DefusedXmlException:
        raise Refuse("R010", **detail(f"位于 {part}", f"in {part}")) from None
    except ParseError as exc:
        line = exc.position[0]
        raise malformed(f"{part} 第 {line} 行 XML 格式错误", f"{part} line {line}: {exc}") from exc
    except LookupError as exc:  # an XML declaration naming an encoding Python does not have
        raise malformed(f"{part} 声明了未知的编码", f"{part}: {exc}") from None
    budget.add_elements(1)
    for child in root:
        _visit(walk, child, budget)
    return local(root.tag)


def rich_text(el: Element) -> str:
    """Text of an ``<is>`` or ``<si>``: its ``<t>`` and the ``<t>`` of its runs, never the
    phonetic ``<rPh>``."""
    parts = []
    for child in el:
        name = local(child.tag)
        if name == "t":
            parts.append(child.text or "")
        elif name == "r":
            parts.extend(t.text or "" for t in child if local(t.tag) == "t")
    return unescape("".join(parts))
