"""Shared fixtures: a fresh database per test, on DuckDB and on PostgreSQL (both on CI)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.serving import background_threads, stop_workers

from dataetat.settings import Settings
from dataetat.store import database
from dataetat.store.engine import make_engine

# No scheduled task and no enrichment after imports in the tests (a test that wants them sets them,
# against a local fake service): they would otherwise call the real services.
os.environ.setdefault("DATAETAT_PLANNING", "")
os.environ.setdefault("DATAETAT_ENRICHISSEMENT_APRES_IMPORT", "false")
TEST_DATA = Path(__file__).resolve().parent / "data"
TEST_SECRET = "secret-de-test-" + "x" * 40
PG_ADMIN_URL = os.environ.get("DATAETAT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _postgres_available() -> bool:
    try:
        engine = sa.create_engine(PG_ADMIN_URL)
        with engine.connect():
            return True
    except Exception:  # noqa: BLE001
        return False


_THREADS_LEFT_BY: list[str] = []


@pytest.fixture(scope="session", autouse=True)
def no_background_thread_left() -> Iterator[None]:
    """After the last test, no server or job worker thread may still run: one left polling a dropped
    database aborted the interpreter at exit (tests/serving.py). Leftover workers are stopped, then
    the session fails naming the tests after which such threads were still alive."""
    yield
    left = background_threads()
    stop_workers(left)
    assert not left, (
        f"Fils d'arrière-plan encore actifs à la fin des tests : {', '.join(sorted(t.name for t in left))} ; "
        f"nouveaux fils restés après : {'; '.join(_THREADS_LEFT_BY)}"
    )


@pytest.fixture(autouse=True)
def _note_background_threads(request) -> Iterator[None]:
    """Notes the tests after which a new background thread lives on (a module- or session-scoped
    server legitimately does; the list only helps to find a leak)."""
    before = background_threads()
    yield
    new = background_threads() - before
    if new:
        _THREADS_LEFT_BY.append(f"{request.node.nodeid} ({', '.join(sorted(t.name for t in new))})")


@pytest.fixture(scope="session")
def bundled_referentiels():
    from dataetat.referentiels.bundled import load_bundled

    return load_bundled()


@contextmanager
def fresh_database_url(kind: str, folder: Path) -> Iterator[str]:
    """URL of a new, empty database of `kind` (duckdb: a file in `folder`; postgresql: a database
    created on the local server, dropped afterwards). On CI a missing PostgreSQL fails the test."""
    if kind == "duckdb":
        yield f"duckdb:///{folder / 'test.duckdb'}"
        return
    if not _postgres_available():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL est requis sur CI (127.0.0.1:5432, utilisateur postgres).")
        pytest.skip("PostgreSQL absent")
    name = f"dataetat_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.engine.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(params=["duckdb", "postgresql"])
def settings(request, tmp_path) -> Iterator[Settings]:
    """Settings pointing at an empty database (the `engine` fixture migrates it)."""
    with fresh_database_url(request.param, tmp_path) as url:
        yield Settings(
            database_url=url,
            dossier_exports=tmp_path / "exports",
            auth_developpement=True,  # no login: the auth tests set it False (tests/integration/test_auth.py)
            secret_key=TEST_SECRET,
        )


@pytest.fixture
def engine(settings) -> Iterator[sa.engine.Engine]:
    engine = make_engine(settings)
    database.init(engine)
    yield engine
    engine.dispose()


@contextmanager
def imported_database(kind: str, folder: Path, build) -> Iterator[sa.engine.Engine]:
    """A fresh database of `kind`, migrated, filled by `build(engine, folder)`: for module-scoped
    fixtures shared by read-only tests."""
    with fresh_database_url(kind, folder) as url:
        engine = make_engine(Settings(database_url=url, auth_developpement=True, secret_key=TEST_SECRET))
        try:
            database.init(engine)
            build(engine, folder)
            yield engine
        finally:
            engine.dispose()
