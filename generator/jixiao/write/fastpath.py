"""The one xlsxwriter fast path: a worksheet that skips formula rewriting that cannot apply.

xlsxwriter's ``Worksheet.write_formula`` passes every formula through the private
``Worksheet._prepare_formula``, which strips ``{``, ``=`` and ``}`` and then runs 29
``re.sub`` passes, one per dynamic-array function, to give each its ``_xlfn.`` name.
jixiao's formulas call none of those functions, and the passes cost 65 us per formula
(65 ms of a bench form, which has about 1,000 formulas). :class:`FastWorksheet` first
searches a formula once for any of those names before "(" (2 us); when there is none, no
pass could change anything, so it returns the formula as xlsxwriter would. Any other case
(such a name, the future functions xlsxwriter also expands in conditional formats and
validations, ``use_future_functions``) is left to xlsxwriter's own method.

This relies on the patterns of xlsxwriter 3.3, the range pinned in pyproject.toml.
tests/test_write_fastpath.py writes the same calls with and without this class and
compares the bytes; a new xlsxwriter version needs that test to pass before the pin moves.
"""

from __future__ import annotations

import re

from xlsxwriter.worksheet import Worksheet

#: The functions xlsxwriter 3.3's ``_prepare_formula`` always rewrites (each pass matches
#: ``\bNAME\(``), in its order, but SINGLE (below).
_DYNAMIC_FUNCTIONS = (
    "ANCHORARRAY", "BYCOL", "BYROW", "CHOOSECOLS", "CHOOSEROWS", "DROP", "EXPAND", "FILTER",
    "HSTACK", "LAMBDA", "MAKEARRAY", "MAP", "RANDARRAY", "REDUCE", "SCAN", "SEQUENCE", "SORT",
    "SORTBY", "SWITCH", "TAKE", "TEXTSPLIT", "TOCOL", "TOROW", "UNIQUE", "VSTACK", "WRAPCOLS",
    "WRAPROWS", "XLOOKUP",
)
#: A match of any pass needs its name right before "(" (SINGLE's is written ``\SINGLE\(``:
#: any non-space character, then ``INGLE(``). So a formula without any of these names
#: before "(" is one no pass changes; one with any, even not as a whole word, goes to
#: xlsxwriter's own passes.
_DYNAMIC_CALL = re.compile("(?:" + "|".join((*_DYNAMIC_FUNCTIONS, "INGLE")) + r")\(")


class FastWorksheet(Worksheet):
    """xlsxwriter's worksheet; formulas that call no dynamic-array function skip its
    29 regular-expression passes (same output, byte for byte)."""

    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
        if not expand_future_functions and not self.use_future_functions:
            text = formula[1:] if formula.startswith("{") else formula
            text = text[1:] if text.startswith("=") else text
            text = text[:-1] if text.endswith("}") else text
            if "_xlfn." in text or _DYNAMIC_CALL.search(text) is None:
                return text
        return super()._prepare_formula(formula, expand_future_functions)
