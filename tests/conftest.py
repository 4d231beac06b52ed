"""Shared fixtures: a fresh database per test, on DuckDB and on PostgreSQL (both on CI)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from dataetat.settings import Settings
from dataetat.store import database
from dataetat.store.engine import make_engine

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
TEST_DATA = Path(__file__).resolve().parent / "data"
PG_ADMIN_URL = os.environ.get("DATAETAT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _postgres_available() -> bool:
    try:
        engine = sa.create_engine(PG_ADMIN_URL)
        with engine.connect():
            return True
    except Exception:  # noqa: BLE001
        return False


@pytest.fixture(scope="session")
def bundled_referentiels():
    from dataetat.referentiels.bundled import load_bundled

    return load_bundled()


@pytest.fixture(params=["duckdb", "postgresql"])
def settings(request, tmp_path) -> Iterator[Settings]:
    """Settings pointing at an empty, migrated database with the bundled referentials."""
    if request.param == "duckdb":
        yield Settings(database_url=f"duckdb:///{tmp_path / 'test.duckdb'}")
        return
    if not _postgres_available():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL est requis sur CI (127.0.0.1:5432, utilisateur postgres).")
        pytest.skip("PostgreSQL absent")
    name = f"dataetat_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield Settings(database_url=url)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def engine(settings) -> Iterator[sa.engine.Engine]:
    engine = make_engine(settings)
    database.init(engine)
    yield engine
    engine.dispose()
