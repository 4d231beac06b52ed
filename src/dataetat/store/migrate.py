"""Schema migrations (Alembic), run on DuckDB and PostgreSQL alike."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def _config(connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    with engine.begin() as connection:
        command.upgrade(_config(connection), revision)


def current(engine: Engine) -> str | None:
    """The schema's revision, read from Alembic's table (no migration environment: Alembic knows
    DuckDB only once migrations/env.py has run in this process); None when there is none."""
    import sqlalchemy as sa

    with engine.connect() as connection:
        if not sa.inspect(connection).has_table("alembic_version"):
            return None
        revisions = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all()
    return revisions[0] if len(revisions) == 1 else ",".join(sorted(revisions)) or None


def heads() -> tuple[str, ...]:
    """The head revision(s) of the migrations shipped with this code (read from the scripts)."""
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return tuple(ScriptDirectory.from_config(config).get_heads())


def revision(engine: Engine, message: str) -> None:
    """Developers: autogenerate a new revision from schema.py (`python -m dataetat.store.migrate msg`)."""
    with engine.begin() as connection:
        command.revision(_config(connection), message=message, autogenerate=True)


if __name__ == "__main__":
    import sys

    from dataetat.settings import Settings
    from dataetat.store.engine import make_engine

    revision(make_engine(Settings()), sys.argv[1])
