"""The archive's tables as SQLAlchemy rows, and the one query every read starts from.

The DDL itself lives in the Alembic migrations (``migrations/versions``); these classes
are the migrations' target (``Base.metadata``) and what the queries are written against.

``blobs``
    The original .xlsx bytes, content-addressed by SHA-256: the same file stored twice is
    one row.
``returns``
    One row per received return. A resubmission is a *new* row with the next version
    number of its series (department_code, year, template_id); nothing is overwritten.
``return_series``
    One row per series holding its last version number: the row a store locks.
``finding_checks``
    The warnings the bureau has checked (已核实), by return.

>>> sorted(Base.metadata.tables)
['blobs', 'finding_checks', 'return_series', 'returns']
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    select,
)
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ..codes import Status

__all__ = ["BLOBS", "CHECKS", "NEWEST_FIRST", "RETURNS", "SERIES", "Base", "BlobRow", "FindingCheckRow", "ReturnRow",
           "ReturnSeriesRow", "select_returns"]


class Base(DeclarativeBase):
    """Declarative base of the archive tables (``Base.metadata`` is Alembic's target)."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


# JSONB on PostgreSQL (indexable, compact), JSON text elsewhere.
_JSON = JSON().with_variant(pg_dialect.JSONB(), "postgresql")


class BlobRow(Base):
    """A received file's bytes, stored once per distinct content."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer)


class ReturnSeriesRow(Base):
    """The version counter of one (department, year, template) series; the lock row."""

    __tablename__ = "return_series"

    department_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    template_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    last_version: Mapped[int] = mapped_column(Integer)


class ReturnRow(Base):
    """One received return (one version of a series)."""

    __tablename__ = "returns"
    __table_args__ = (
        UniqueConstraint("department_code", "year", "template_id", "version"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint(f"status IN ('{Status.NEEDS_FIX}', '{Status.PASSED}', '{Status.UNREADABLE}')",
                        name="status_known"),
        Index(None, "year", "department_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    department_code: Mapped[str] = mapped_column(String(64))
    department_name: Mapped[str] = mapped_column(String(255))
    year: Mapped[int] = mapped_column(Integer)
    template_id: Mapped[str] = mapped_column(String(128))
    template_version: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    blob_sha256: Mapped[str] = mapped_column(String(64), ForeignKey("blobs.sha256"), index=True)
    filename: Mapped[str] = mapped_column(String(1024))
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    record: Mapped[dict[str, Any]] = mapped_column(_JSON)
    findings: Mapped[list[dict[str, Any]]] = mapped_column(_JSON)
    error_count: Mapped[int] = mapped_column(Integer)
    warning_count: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    fill_date: Mapped[dt.date | None] = mapped_column(Date)
    voided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    voided_by: Mapped[str | None] = mapped_column(String(255))
    void_reason: Mapped[str | None] = mapped_column(String(1024))
    sent_back_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    sent_back_by: Mapped[str | None] = mapped_column(String(255))
    send_back_reason: Mapped[str | None] = mapped_column(String(1024))


class FindingCheckRow(Base):
    """A warning of one return the bureau has checked (已核实): who, when, and why."""

    __tablename__ = "finding_checks"
    __table_args__ = (UniqueConstraint("return_id", "code", "sheet", "cell"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    return_id: Mapped[int] = mapped_column(Integer, ForeignKey("returns.id"))
    code: Mapped[str] = mapped_column(String(128))
    sheet: Mapped[str] = mapped_column(String(255))
    cell: Mapped[str] = mapped_column(String(64))
    checked_by: Mapped[str] = mapped_column(String(255))
    checked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    note: Mapped[str] = mapped_column(String(1024))


# The tables themselves, for Core queries.
BLOBS: Table = BlobRow.__table__  # type: ignore[assignment]
SERIES: Table = ReturnSeriesRow.__table__  # type: ignore[assignment]
RETURNS: Table = ReturnRow.__table__  # type: ignore[assignment]
CHECKS: Table = FindingCheckRow.__table__  # type: ignore[assignment]

#: The newest version first: by 填报日期 (none before any), received time, version number.
NEWEST_FIRST = (
    RETURNS.c.fill_date.desc().nulls_last(),
    RETURNS.c.received_at.desc(),
    RETURNS.c.version.desc(),
)


def select_returns() -> Any:
    """``SELECT`` of the returns with their file's size: every read of returns adds its
    ``where`` and ``order_by`` to this.

    >>> [c.name for c in select_returns().selected_columns][-2:]
    ['send_back_reason', 'size']
    """
    return select(RETURNS, BLOBS.c.size).join(BLOBS, BLOBS.c.sha256 == RETURNS.c.blob_sha256)
