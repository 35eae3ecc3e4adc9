"""The archive of returns (收表归档): every received return, versioned, with its file.

>>> from jixiao.archive import Archive, Submission
>>> with Archive("sqlite://") as archive:     # Archive() = jixiao.sqlite in the cwd
...     r = archive.store(Submission(b"...", "101.xlsx", "101", "财政局", 2024,
...                                  "project", "1", record={}, findings=[]))
...     r.version, r.status
(1, '已通过')

One job per module: :mod:`~jixiao.archive.store` stores and reads returns (its docstring
tells the concurrency guarantees), :mod:`~jixiao.archive.housekeeping` adds the bureau's
actions (void, send back, 已核实), :mod:`~jixiao.archive.collect` verifies and files a batch
of files; :mod:`~jixiao.archive.records` holds the values, :mod:`~jixiao.archive.tables`
the tables, :mod:`~jixiao.archive.reports` the status board and export rows, and
:mod:`~jixiao.archive.database` the engines and the schema revision. The schema is
managed by Alembic; the migrations live in ``jixiao/archive/migrations`` and
:func:`alembic_config` builds their configuration in code (no alembic.ini).
"""

from ..codes import SEVERITIES, Status
from .database import ArchiveSchemaError, alembic_config, archive_url, head_revision, sqlite_file
from .housekeeping import Archive
from .records import StatusRow, StoredReturn, Submission
from .store import DEFAULT_TZ, DEFAULT_URL

__all__ = [
    "DEFAULT_TZ",
    "DEFAULT_URL",
    "SEVERITIES",
    "Archive",
    "ArchiveSchemaError",
    "Status",
    "StatusRow",
    "StoredReturn",
    "Submission",
    "alembic_config",
    "archive_url",
    "head_revision",
    "sqlite_file",
]
