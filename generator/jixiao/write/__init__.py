"""Writing workbooks: a :class:`~jixiao.layout.Layout` rendered to .xlsx (workbook.py), its
cell formats (styles.py) and input validations (validation.py), and the one xlsxwriter fast
path (fastpath.py)."""

from .workbook import GENERATION_META, META_SHEET, params_json, write_workbook

__all__ = ["GENERATION_META", "META_SHEET", "params_json", "write_workbook"]
