"""The archive of returns (收表归档): every received return, versioned, with its file.

>>> from jixiao.archive import Archive, Submission
>>> with Archive("sqlite://") as archive:     # Archive() = jixiao.sqlite in the cwd
...     r = archive.store(Submission(b"...", "101.xlsx", "101", "财政局", 2024,
...                                  "project", "1", record={}, findings=[]))
...     r.version, r.status
(1, '已通过')

See :mod:`jixiao.archive.store` for the schema and the concurrency guarantees. The
schema is managed by Alembic; the migrations live in ``jixiao/archive/migrations`` and
:func:`alembic_config` builds their configuration in code (no alembic.ini).
"""

from .housekeeping import Archive
from .store import (
    DEFAULT_TZ,
    DEFAULT_URL,
    SEVERITIES,
    ArchiveSchemaError,
    Status,
    StatusRow,
    StoredReturn,
    Submission,
    alembic_config,
    archive_url,
    head_revision,
    sqlite_file,
)

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
