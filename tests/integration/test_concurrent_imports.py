"""Two imports at once (two worker jobs, an import and a cancelling…) both rewrite what is derived
from every line — the stored open cells, the tags, the read model. On DuckDB the second writer of a
row is refused (« Conflict on … », or « duplicate key » at commit) instead of waiting: one import
failed. Now the transactions that change the data run one after the other on a DuckDB database
(store/engine.py `data_write`): both imports are written, and the open cells stored by the second
count the first's lines. On PostgreSQL they overlap, and the same holds."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.factories import ae_row, write_ae
from tests.polling import WAIT, until

from dataetat.query import ouvert
from dataetat.query.apres_import import apres_import
from dataetat.store.chorus_import import ImportOptions, import_chorus
from dataetat.store.engine import data_writers_waiting

SEUIL = 1
SIRETS = ["85129663200017", "38529030900454", "82815371800014", "49972556200023"]


@pytest.fixture(autouse=True)
def seuil(monkeypatch):
    monkeypatch.setenv("DATAETAT_SECRET_STATISTIQUE_SEUIL", str(SEUIL))


def _file(folder: Path, exercice: int, first_ej: int) -> list[Path]:
    rows = [
        ae_row(str(first_ej + i), 1, "100", siret=SIRETS[i % 4], date=f"10.01.{exercice}",
               loc=("N5335238", "N5329019")[i % 2])
        for i in range(4)
    ]  # fmt: skip
    return [write_ae(folder / f"ae-{exercice}.csv", rows, exercice=exercice)]


def test_two_imports_at_once_are_both_written(engine, tmp_path):
    base = import_chorus(engine, _file(tmp_path, 2021, 100), ImportOptions(region="53"), apres=apres_import)
    assert base.written  # the open cells are stored: both imports below rewrite them
    first_writing, second_began = threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def first_apres(conn) -> None:
        first_writing.set()
        # the second import runs meanwhile (DuckDB before: both transactions open at once), or
        # waits for this one to end (now)
        assert until(lambda: second_began.is_set() or data_writers_waiting(engine) > 0)
        apres_import(conn)

    def run(name: str, paths: list[Path], **kwargs) -> None:
        try:
            results[name] = import_chorus(engine, paths, ImportOptions(region="53"), **kwargs)
        except Exception as e:  # noqa: BLE001 - asserted below
            results[name] = e
            first_writing.set()

    first = threading.Thread(
        target=run, args=("premier", _file(tmp_path, 2022, 200)), kwargs={"apres": first_apres}
    )
    first.start()
    assert first_writing.wait(WAIT)
    second = threading.Thread(
        target=run,
        args=("second", _file(tmp_path, 2023, 300)),
        kwargs={"apres": apres_import, "progress": lambda name, lines: second_began.set()},
    )
    second.start()
    first.join(WAIT)
    second.join(WAIT)
    assert not first.is_alive() and not second.is_alive()
    for name in ("premier", "second"):
        assert getattr(results[name], "written", False), (name, results[name])
    with engine.connect() as conn:
        years = conn.execute(sa.text("SELECT DISTINCT annee FROM ligne ORDER BY annee")).scalars().all()
        assert years == [2021, 2022, 2023]
        assert ouvert.seuil_stocke(conn) == SEUIL
        assert ouvert.stockees(conn) == ouvert.calculer(conn, SEUIL)  # the first's lines counted
