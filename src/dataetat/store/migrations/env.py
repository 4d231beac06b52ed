"""Alembic environment: runs on the connection handed over by dataetat.store.migrate."""

from alembic import context
from alembic.ddl.impl import DefaultImpl

from dataetat.store import (  # noqa: F401  every module that puts tables on the metadata: autogenerate sees them all
    audit,
    comptes,
    limiteur,
    marches_schema,
    moisson_schema,
    ouvert_schema,
    recherches,
    remplacement,
    subventions,
    taches_schema,
    tags_schema,
)
from dataetat.store.schema import metadata


class DuckDBImpl(DefaultImpl):
    """Alembic knows no DuckDB; DuckDB's DDL is PostgreSQL-like and transactional."""

    __dialect__ = "duckdb"
    transactional_ddl = True


connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=False)
with context.begin_transaction():
    context.run_migrations()
