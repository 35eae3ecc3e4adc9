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

#: The functions xlsxwriter 3.3 also rewrites with ``expand_future_functions`` (conditional
#: formats, validations), in its order. Its patterns leave the "." unescaped (any character),
#: so they are used here as written: a formula none of them matches, even inside a longer
#: name, is one no pass changes.
_FUTURE_FUNCTIONS = (
    "ACOTH", "ACOT", "AGGREGATE", "ARABIC", "ARRAYTOTEXT", "BASE", "BETA.DIST", "BETA.INV", "BINOM.DIST.RANGE",
    "BINOM.DIST", "BINOM.INV", "BITAND", "BITLSHIFT", "BITOR", "BITRSHIFT", "BITXOR", "CEILING.MATH",
    "CEILING.PRECISE", "CHISQ.DIST.RT", "CHISQ.DIST", "CHISQ.INV.RT", "CHISQ.INV", "CHISQ.TEST", "COMBINA", "CONCAT",
    "CONFIDENCE.NORM", "CONFIDENCE.T", "COTH", "COT", "COVARIANCE.P", "COVARIANCE.S", "CSCH", "CSC", "DAYS",
    "DECIMAL", "ERF.PRECISE", "ERFC.PRECISE", "EXPON.DIST", "F.DIST.RT", "F.DIST", "F.INV.RT", "F.INV", "F.TEST",
    "FILTERXML", "FLOOR.MATH", "FLOOR.PRECISE", "FORECAST.ETS.CONFINT", "FORECAST.ETS.SEASONALITY",
    "FORECAST.ETS.STAT", "FORECAST.ETS", "FORECAST.LINEAR", "FORMULATEXT", "GAMMA.DIST", "GAMMA.INV",
    "GAMMALN.PRECISE", "GAMMA", "GAUSS", "HYPGEOM.DIST", "IFNA", "IFS", "IMAGE", "IMCOSH", "IMCOT", "IMCSCH",
    "IMCSC", "IMSECH", "IMSEC", "IMSINH", "IMTAN", "ISFORMULA", "ISOMITTED", "ISOWEEKNUM", "LET", "LOGNORM.DIST",
    "LOGNORM.INV", "MAXIFS", "MINIFS", "MODE.MULT", "MODE.SNGL", "MUNIT", "NEGBINOM.DIST", "NORM.DIST", "NORM.INV",
    "NORM.S.DIST", "NORM.S.INV", "NUMBERVALUE", "PDURATION", "PERCENTILE.EXC", "PERCENTILE.INC", "PERCENTRANK.EXC",
    "PERCENTRANK.INC", "PERMUTATIONA", "PHI", "POISSON.DIST", "QUARTILE.EXC", "QUARTILE.INC", "QUERYSTRING",
    "RANK.AVG", "RANK.EQ", "RRI", "SECH", "SEC", "SHEETS", "SHEET", "SKEW.P", "STDEV.P", "STDEV.S", "T.DIST.2T",
    "T.DIST.RT", "T.DIST", "T.INV.2T", "T.INV", "T.TEST", "TEXTAFTER", "TEXTBEFORE", "TEXTJOIN", "UNICHAR",
    "UNICODE", "VALUETOTEXT", "VAR.P", "VAR.S", "WEBSERVICE", "WEIBULL.DIST", "XMATCH", "XOR", "Z.TEST",
)
_FUTURE_CALL = re.compile("(?:" + "|".join(_FUTURE_FUNCTIONS) + r")\(")


class FastWorksheet(Worksheet):
    """xlsxwriter's worksheet; formulas that call no dynamic-array function skip its
    29 regular-expression passes (same output, byte for byte)."""

    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
        text = formula[1:] if formula.startswith("{") else formula
        text = text[1:] if text.startswith("=") else text
        text = text[:-1] if text.endswith("}") else text
        if "_xlfn." in text:
            return text
        future = expand_future_functions or self.use_future_functions
        if _DYNAMIC_CALL.search(text) is None and not (future and _FUTURE_CALL.search(text)):
            return text
        return super()._prepare_formula(formula, expand_future_functions)
