"""Department data for pre-filled forms: the sheets a bureau fills, read into pre-fills.

A bureau knows, before it sends the forms, each department's code and name, its budget
figures, contacts, and the indicators and projects it declared at the start of the year.
It lists them in three tables (``jixiao init-data TEMPLATE`` writes an empty workbook with
the right headers):

* 单位 — one row per department: 单位编码, 单位名称, then the department-level inputs the
  template has (header fields, 资金 figures, 预期目标, contacts). Money headers end in
  ``（万元）`` or ``（元）``: 元 columns are converted to 万元 with two decimals, parts and
  totals balanced (舍位平衡, :mod:`jixiao.prefill.amounts`) and every adjustment reported.
* 指标 — one row per declared 三级指标: 单位编码, (项目名称), 一级指标, 二级指标, 三级指标,
  年度指标值 as text (``≥300份``, parsed by :mod:`jixiao.prefill.targets`), 分值.
* 项目 — one row per project: 单位编码, 项目名称, the project sheet's inputs.

The schema (which headers, which cells they fill) is derived from the template's layout,
so a new variant needs no code here. Reading never stops at a bad row: every problem is a
:class:`DataProblem` naming the file, sheet, row and column; a department with an error
in any of its rows is not built (nothing half-filled is sent), the others are.

>>> from jixiao.template.load import load_template
>>> schema = DataSchema.for_template(load_template("guizhou-zhengti"))
>>> data = read_dataset(schema, "departments.csv")
>>> [d.code for d in data.departments], [p.code for p in data.problems]
(['101001', '101002'], [])
"""

from .core import Column, DataProblem, Dataset, Department, Kind, Severity, Table
from .files import DataFileError, RawTable, read_roster, read_tables
from .reading import read_dataset
from .schema import DataSchema, iter_columns

__all__ = ["Column", "DataFileError", "DataProblem", "DataSchema", "Dataset", "Department", "Kind", "RawTable",
           "Severity", "Table", "iter_columns", "read_dataset", "read_roster", "read_tables"]
