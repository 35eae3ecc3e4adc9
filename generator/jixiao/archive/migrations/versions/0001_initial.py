"""Initial archive schema: blobs, return_series, returns.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of the JSON type as of this revision (do not import it from store.py).
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "blobs",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name="pk_blobs"),
    )
    op.create_table(
        "return_series",
        sa.Column("department_code", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.String(128), nullable=False),
        sa.Column("last_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("department_code", "year", "template_id", name="pk_return_series"),
    )
    op.create_table(
        "returns",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("department_code", sa.String(64), nullable=False),
        sa.Column("department_name", sa.String(255), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.String(128), nullable=False),
        sa.Column("template_version", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("blob_sha256", sa.String(64), nullable=False),
        sa.Column("filename", sa.String(1024), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("record", JSON, nullable=False),
        sa.Column("findings", JSON, nullable=False),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("warning_count", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_returns"),
        sa.ForeignKeyConstraint(
            ["blob_sha256"], ["blobs.sha256"], name="fk_returns_blob_sha256_blobs"
        ),
        sa.UniqueConstraint(
            "department_code",
            "year",
            "template_id",
            "version",
            name="uq_returns_department_code_year_template_id_version",
        ),
        sa.CheckConstraint("version >= 1", name="ck_returns_version_positive"),
        sa.CheckConstraint("status IN ('待修改', '已通过')", name="ck_returns_status_known"),
    )
    op.create_index("ix_returns_blob_sha256", "returns", ["blob_sha256"])
    op.create_index("ix_returns_year_department_code", "returns", ["year", "department_code"])


def downgrade() -> None:
    op.drop_index("ix_returns_year_department_code", table_name="returns")
    op.drop_index("ix_returns_blob_sha256", table_name="returns")
    op.drop_table("returns")
    op.drop_table("return_series")
    op.drop_table("blobs")
