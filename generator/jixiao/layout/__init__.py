"""The layout: a template turned into typed sheets of cells, names, merges and formulas.

The writer renders a :class:`Layout` to .xlsx; the reader uses the same layout to find
every input and computed cell by its defined name, and :func:`evaluate` recomputes every
computed cell with the Python references. Neither side guesses cell addresses, and no
consumer takes a cell name apart: a sheet's ``role``, ``fields``, ``indicator_rows``,
``execution``, ``subtotals``, ``total``, ``grade``, ``panel`` and ``row_checks`` say
what its cells are.

Modules: :mod:`.model` (the types), :mod:`.refs` (cell names and A1 references),
:mod:`.build` (a whole template), one builder per sheet kind (:mod:`.self_evaluation`
with its blocks :mod:`.funds`, :mod:`.indicators` and :mod:`.panel`;
:mod:`.basic_data`; :mod:`.checklist`), :mod:`.cross_checks`, :mod:`.evaluate`,
:mod:`.identity` (the structure fingerprint) and :mod:`.prefilled` (a pre-fill's layout as
its structure's plus its values: what lets returns of one structure share a layout).
"""

from .build import build_layout, sheet_copy_id
from .evaluate import evaluate
from .model import (
    COPIES_KEY,
    DEPARTMENT_KEY,
    INDICATORS_KEY,
    MAX_COPIES,
    ROW_FLAGS,
    WARNING_FLAGS,
    Cell,
    ConditionalMark,
    Execution,
    FieldCell,
    IndicatorRow,
    Layout,
    RowCheck,
    SheetLayout,
    Subtotal,
)
from .refs import CellName

__all__ = [
    "COPIES_KEY", "DEPARTMENT_KEY", "INDICATORS_KEY", "MAX_COPIES", "ROW_FLAGS", "WARNING_FLAGS", "Cell", "CellName",
    "ConditionalMark", "Execution", "FieldCell", "IndicatorRow", "Layout", "RowCheck", "SheetLayout", "Subtotal",
    "build_layout", "evaluate", "sheet_copy_id",
]
