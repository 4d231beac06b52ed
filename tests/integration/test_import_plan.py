"""The read-model refresh of an import is planned on what the import really wrote (issue 11 item 14).

On PostgreSQL, 20,000 generated lines took 57–195 s (DuckDB: 3 s): the planner took the freshly
filled tables and the `WHERE rn = 1` windows for a few rows and chose nested loops over thousands of
keys. The refresh statement's row estimate must now be of the order of the lines it builds, and a
small import must stay fast on both databases."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from dataetat.demo.generator import generate
from dataetat.store import readmodel, readmodel_parts
from dataetat.store.chorus_import import ImportOptions, import_chorus


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> list[Path]:
    files = generate(4_000, tmp_path_factory.mktemp("generes"), seed=11)
    return files.ae + files.cp


def test_refresh_estimate_matches_the_lines_built(engine, generated, monkeypatch):
    estimates: list[float] = []
    original = readmodel.refresh_touched

    def refresh_and_explain(conn):
        if conn.dialect.name == "postgresql":
            sql = readmodel.insert_lines(readmodel_parts.chorus_parts(scoped=True))
            plan = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + sql).scalar_one()
            if isinstance(plan, str):
                plan = json.loads(plan)
            estimates.append(plan[0]["Plan"]["Plans"][0]["Plan Rows"])
        original(conn)

    monkeypatch.setattr(readmodel, "refresh_touched", refresh_and_explain)
    start = time.perf_counter()
    result = import_chorus(engine, generated, ImportOptions(region="53"))
    seconds = time.perf_counter() - start
    assert result.written
    with engine.connect() as conn:
        built = conn.exec_driver_sql("SELECT COUNT(*) FROM ligne WHERE partie = 0").scalar_one()
    assert built > 1_000
    if engine.dialect.name == "postgresql":
        # Before: 2 estimated rows for 1,538 built (88 for 7,601 at 20,000 lines).
        assert built / 3 <= estimates[0] <= built * 3, (estimates, built)
    assert seconds < 60, seconds
