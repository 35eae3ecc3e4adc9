"""Alembic environment of the jixiao archive.

Run programmatically: :class:`jixiao.archive.Archive` passes an open connection (already
in a transaction, holding the migration lock) in ``config.attributes["connection"]``;
Alembic commands for developers use :func:`jixiao.archive.alembic_config` with a URL.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from jixiao.archive.database import make_engine
from jixiao.archive.tables import Base

config = context.config
target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        # SQLite DDL is transactional when the driver leaves BEGIN to us (store.py does).
        transactional_ddl=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no connection and no sqlalchemy.url: use jixiao.archive.alembic_config")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            _configure(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
