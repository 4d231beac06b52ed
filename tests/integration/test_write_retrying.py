"""`write_retrying` runs a small write again when DuckDB refuses it for a concurrent transaction's write
to the same key — at the statement (« Conflict on update ») or at the commit, when both inserted the
key (« Failed to commit: … duplicate key », the CI failure of ten simultaneous logins)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from dataetat.store.engine import write_retrying

UPSERT = sa.text("INSERT INTO t (k, v) VALUES ('cle', :v) ON CONFLICT (k) DO UPDATE SET v = excluded.v")


def test_an_upsert_refused_at_commit_is_run_again(tmp_path):
    engine = sa.create_engine(f"duckdb:///{tmp_path / 'retry.duckdb'}")
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (k VARCHAR PRIMARY KEY, v DOUBLE)"))
    other = engine.connect()
    concurrent = other.begin()
    other.execute(UPSERT, {"v": 1.0})  # a concurrent transaction inserted the key, not committed yet
    runs = []

    def upsert(conn) -> None:
        runs.append(1)
        conn.execute(UPSERT, {"v": 2.0})
        if concurrent.is_active:
            concurrent.commit()  # commits first: this one's commit then finds a duplicate key

    write_retrying(engine, upsert)
    other.close()
    assert len(runs) == 2
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT k, v FROM t")).all() == [("cle", 2.0)]
    engine.dispose()


@pytest.mark.parametrize("settings", ["duckdb"], indirect=True)  # PostgreSQL makes the claim wait
def test_a_worker_claims_while_the_user_deletes_the_waiting_job(settings, engine, tmp_path, monkeypatch):
    """The worker's claim and the user's deletion of the same waiting job: DuckDB refused the claim
    (« Conflict »), and the worker's loop logged the queue as unavailable; now the claim is tried
    again and finds no job."""
    from dataetat.jobs import execution
    from dataetat.store import engine as store_engine
    from dataetat.store import taches

    with engine.begin() as conn:
        job_id = taches.submit(conn, "export", "agent", None, {}, "Export")
    user = engine.connect()
    deleting = user.begin()
    assert taches.delete(user, job_id, "agent")  # the user's deletion, not committed yet
    conflict = store_engine.is_write_conflict

    def spied(error: BaseException) -> bool:
        if conflict(error):
            if deleting.is_active:
                deleting.commit()  # the deletion ends while the claim is tried again
            return True
        return False

    monkeypatch.setattr(store_engine, "is_write_conflict", spied)
    try:
        assert execution.run_one(engine, tmp_path) is None
    finally:
        user.close()
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM tache")).scalar_one() == 0
