"""The stored open cells (`ouvert_cellule`, query/ouvert.py `rafraichir`), on both databases: every
import that changes the lines refreshes them in its transaction (query/apres_import.py), and they
are exactly the live computation's; a change of the lines without the refresh makes the readers
compute live, never read stale cells."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.factories import ae_row, write_ae

from dataetat.query import ouvert
from dataetat.query.apres_import import apres_import
from dataetat.store import readmodel
from dataetat.store.chorus_import import ImportOptions, import_chorus
from dataetat.store.ouvert_schema import ouvert_etat
from dataetat.store.sources_import import import_source

DATA = Path(__file__).parents[1] / "data"
SEUIL = 1  # the test files have few beneficiaries a cell: every cell with a SIRET is published
SIRETS = ["85129663200017", "38529030900454", "82815371800014", "49972556200023"]


def _chorus(folder: Path, name: str, amount: str) -> list[Path]:
    """An INF-BUD-53 engagements file: 8 EJs, four companies, Rennes and Brest, two programmes."""
    rows = [
        ae_row(str(100 + i), 1, amount, siret=SIRETS[i % 4], programme=("103", "181")[i % 2],
               loc=("N5335238", "N5329019")[i // 4])
        for i in range(8)
    ]  # fmt: skip
    return [write_ae(folder / name, rows)]


@pytest.fixture(autouse=True)
def seuil(monkeypatch):
    monkeypatch.setenv("DATAETAT_SECRET_STATISTIQUE_SEUIL", str(SEUIL))


def _same(conn) -> list[ouvert.Cellule]:
    live = ouvert.calculer(conn, SEUIL)
    assert ouvert.seuil_stocke(conn) == SEUIL
    assert ouvert.stockees(conn) == live
    for niveau in ouvert.NIVEAUX:  # what the pages read, level by level
        assert ouvert.cellules(conn, niveau, SEUIL) == [c for c in live if c.niveau == niveau]
    for niveau, dans in (("commune", ("departement", "35")), ("departement", ("region", "53")),
                         ("epci", ("departement", "29")), ("commune", ("commune", "29019"))):  # fmt: skip
        zones = ouvert.zones_dans(niveau, *dans)
        keep = set(zones) if isinstance(zones, list) else set(conn.execute(zones).scalars())
        expected = [c for c in live if c.niveau == niveau and c.zone_code in keep]
        assert ouvert.cellules(conn, niveau, SEUIL, dans=dans) == expected  # the open map
    rennes = [c for c in live if c.niveau == "commune" and c.zone_code == "35238"]
    assert ouvert.cellules(conn, "commune", SEUIL, code="35238") == rennes  # one territory's page
    jeu = [c for c in live if c.famille == "chorus-region" and c.region == "53"]
    assert list(ouvert.toutes_cellules(conn, SEUIL, familles=["chorus-region"], region="53")) == jeu
    return live


def test_every_import_refreshes_the_stored_cells(engine, tmp_path):
    with engine.connect() as conn:
        assert ouvert.seuil_stocke(conn) is None  # never computed: the pages compute live
    result = import_chorus(
        engine, _chorus(tmp_path, "ae.csv", "100"), ImportOptions(region="53"), apres=apres_import
    )
    assert result.written, result
    with engine.connect() as conn:
        first = _same(conn)
    assert first and {c.famille for c in first} == {"chorus-region"}
    assert {c.zone_code for c in first if c.niveau == "commune"} == {"35238", "29019"}
    result = import_chorus(
        engine, _chorus(tmp_path, "ae2.csv", "250"), ImportOptions(region="53"), apres=apres_import
    )
    assert result.written, result
    with engine.connect() as conn:
        changed = _same(conn)
    assert changed != first and {c.montant_ae for c in changed} != {c.montant_ae for c in first}
    with engine.connect() as conn:
        before = conn.execute(sa.select(ouvert_etat.c.calcule_le)).scalar_one()
    import_source(engine, "ademe", DATA / "sources" / "ademe.csv", apres=apres_import)
    with engine.connect() as conn:  # the sources' import path refreshes too (its aid has no place)
        assert conn.execute(sa.select(ouvert_etat.c.calcule_le)).scalar_one() > before
        assert _same(conn) == changed
        # Another threshold than the stored one: computed live, the same as a refresh would store.
        assert ouvert.cellules(conn, "region", 2) == [
            c for c in ouvert.calculer(conn, 2) if c.niveau == "region"
        ]


def test_a_change_without_refresh_is_never_served_stale(engine, tmp_path):
    import_chorus(engine, _chorus(tmp_path, "ae.csv", "100"), ImportOptions(region="53"), apres=apres_import)
    with engine.begin() as conn:
        assert ouvert.seuil_stocke(conn) == SEUIL
        conn.exec_driver_sql("UPDATE ref_commune SET code_departement = code_departement")  # (no-op)
        readmodel.rebuild_all(conn)  # the read model changes, nobody refreshes the open cells
    with engine.connect() as conn:
        assert ouvert.seuil_stocke(conn) is None
        assert ouvert.cellules(conn, "departement", SEUIL) == [
            c for c in ouvert.calculer(conn, SEUIL) if c.niveau == "departement"
        ]


def test_a_refused_import_keeps_the_stored_cells(engine, tmp_path):
    import_chorus(engine, _chorus(tmp_path, "ae.csv", "100"), ImportOptions(region="53"), apres=apres_import)
    with engine.connect() as conn:
        before = ouvert.stockees(conn)
    refused = import_chorus(
        engine, [DATA / "chorus" / "ae_tronque.csv"], ImportOptions(region="53"), apres=apres_import
    )
    assert not refused.written
    with engine.connect() as conn:
        assert ouvert.seuil_stocke(conn) == SEUIL and ouvert.stockees(conn) == before


@pytest.mark.parametrize("settings", ["postgresql"], indirect=True)  # PostgreSQL only, never skipped
def test_two_imports_refresh_one_after_the_other_on_postgresql(engine, tmp_path):
    """Two transactions changing lines and refreshing at once: the second waits for the first (an
    advisory lock) and computes with its lines, so the stored cells are those of both."""
    import threading

    from tests.ouvert_donnees import fill

    fill(engine)  # lines of another jeu already there
    first = engine.connect()
    tx = first.begin()
    first.exec_driver_sql(
        "UPDATE ligne SET montant_ae = montant_ae + 1 WHERE beneficiaire_commune_code = '35238'"
    )
    ouvert.rafraichir(first, SEUIL)  # holds the lock until commit
    done = threading.Event()

    def second() -> None:
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "UPDATE ligne SET montant_cp = montant_cp + 2 WHERE beneficiaire_commune_code = '35047'"
            )
            ouvert.rafraichir(conn, SEUIL)
        done.set()

    thread = threading.Thread(target=second)
    thread.start()
    assert not done.wait(1.0)  # waiting for the first transaction's lock
    tx.commit()
    first.close()
    thread.join(30)
    assert done.is_set()
    with engine.connect() as conn:
        assert ouvert.stockees(conn) == ouvert.calculer(conn, SEUIL)
