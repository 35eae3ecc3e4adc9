"""Housekeeping: 填报日期 and voiding on returns, unreadable returns, checked warnings.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04

* ``returns.fill_date`` (the form's 填报日期) orders the versions of a series before the
  received time; ``voided_at`` / ``voided_by`` / ``void_reason`` keep a voided version
  in the archive, marked; ``sent_back_at`` / ``sent_back_by`` / ``send_back_reason`` mark a
  version the bureau sent back to the department (status 待修改).
* ``returns.status`` may be 格式错误: a return that could not be read is kept too, so
  the department is not shown as 未交.
* ``finding_checks``: a warning the bureau has checked (已核实), who and when.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_STATUS = "status IN ('待修改', '已通过')"
_NEW_STATUS = "status IN ('待修改', '已通过', '格式错误')"


def _drop_status_check(batch: object) -> None:
    # 0001 named it through the naming convention (ck_returns_ck_returns_status_known on
    # PostgreSQL): find it by what it checks rather than trust a spelling.
    for check in sa.inspect(op.get_bind()).get_check_constraints("returns"):
        if "status" in check["sqltext"]:
            batch.drop_constraint(op.f(check["name"]), type_="check")  # type: ignore[attr-defined]


def upgrade() -> None:
    # Batch mode: SQLite cannot alter a CHECK constraint in place (the table is rebuilt).
    with op.batch_alter_table("returns") as batch:
        batch.add_column(sa.Column("fill_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("voided_by", sa.String(255), nullable=True))
        batch.add_column(sa.Column("void_reason", sa.String(1024), nullable=True))
        batch.add_column(sa.Column("sent_back_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("sent_back_by", sa.String(255), nullable=True))
        batch.add_column(sa.Column("send_back_reason", sa.String(1024), nullable=True))
        _drop_status_check(batch)
        batch.create_check_constraint("status_known", _NEW_STATUS)
    op.create_table(
        "finding_checks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(128), nullable=False),
        sa.Column("sheet", sa.String(255), nullable=False),
        sa.Column("cell", sa.String(64), nullable=False),
        sa.Column("checked_by", sa.String(255), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(1024), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_finding_checks"),
        sa.ForeignKeyConstraint(
            ["return_id"], ["returns.id"], name="fk_finding_checks_return_id_returns"
        ),
        sa.UniqueConstraint(
            "return_id", "code", "sheet", "cell",
            name="uq_finding_checks_return_id_code_sheet_cell",
        ),
    )


def downgrade() -> None:
    op.drop_table("finding_checks")
    op.execute("DELETE FROM returns WHERE status = '格式错误'")
    with op.batch_alter_table("returns") as batch:
        _drop_status_check(batch)
        batch.create_check_constraint("status_known", _OLD_STATUS)
        batch.drop_column("send_back_reason")
        batch.drop_column("sent_back_by")
        batch.drop_column("sent_back_at")
        batch.drop_column("void_reason")
        batch.drop_column("voided_by")
        batch.drop_column("voided_at")
        batch.drop_column("fill_date")
