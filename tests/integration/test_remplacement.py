"""Replacing an exercice: compared and confirmed before anything is written, the previous state kept,
« annuler le dernier import » restoring exactly the lines and totals it replaced (once, the last
import only); on DuckDB and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
from tests.factories import ae_row, cp_row, snapshot, write_ae, write_cp

from dataetat.query import etiquetage
from dataetat.store import annulation, audit
from dataetat.store.annulation import AnnulationImpossible
from dataetat.store.chorus_import import ImportOptions, import_chorus
from dataetat.store.remplacement import Confirmation, avant_of

TABLES = ("engagement", "ae_annee", "cp", "ligne")


def dump(engine) -> dict[str, list[tuple]]:
    """Every row of the tables an import writes, sorted: to compare states exactly (but the time
    a read-model line was last rebuilt)."""
    found = {}
    with engine.connect() as conn:
        for name in TABLES:
            columns = [
                c for c in conn.exec_driver_sql(f"SELECT * FROM {name} LIMIT 0").keys() if c != "updated_at"
            ]
            rows = conn.exec_driver_sql(f"SELECT {', '.join(columns)} FROM {name}")
            found[name] = sorted((tuple(r) for r in rows), key=repr)
    return found


def totals(engine, annee: int) -> tuple:
    with engine.connect() as conn:
        return tuple(
            conn.execute(
                sa.text(
                    "SELECT COUNT(*), COALESCE(SUM(montant_ae), 0), COALESCE(SUM(montant_cp), 0) "
                    "FROM ligne WHERE annee = :a"
                ),
                {"a": annee},
            ).one()
        )


def _first(folder):
    """Région 53, 2023: EJ 1 (1,000 €), EJ 2 (50 €, only in this state), a payment on EJ 1 and an
    orphan payment without EJ."""
    ae = write_ae(folder / "ae-2023-v1.csv", [ae_row("1", 1, "1000"), ae_row("2", 1, "50")])
    cp = write_cp(folder / "cp-2023-v1.csv", [cp_row("1", 1, "900", "300"), cp_row("#", "#", "902", "7")])
    return [ae, cp]


def _second(folder):
    """The same exercice again, smaller: EJ 1 (400 €) and a new EJ 3 (20 €); one payment."""
    ae = write_ae(folder / "ae-2023-v2.csv", [ae_row("1", 1, "400"), ae_row("3", 1, "20")])
    cp = write_cp(folder / "cp-2023-v2.csv", [cp_row("3", 1, "950", "5")])
    return [ae, cp]


def _import(engine, files, confirmation=None, region="53", **kw):
    options = ImportOptions(region=region, confirmation=confirmation, qui="agent@x.fr", **kw)
    return import_chorus(engine, files, options, apres=etiquetage.reapply)


def test_replacement_is_compared_and_waits_for_confirmation(engine, tmp_path):
    assert _import(engine, _first(tmp_path)).written
    before = snapshot(engine)
    result = _import(engine, _second(tmp_path), Confirmation())
    assert result.a_confirmer and not result.written and result.lot is None
    assert snapshot(engine) == before  # nothing written, not even the history
    flux = {f.key: f for f in result.flux}
    ae = flux[("ae", "REGION", "53", 2023)]
    assert (ae.lignes_avant, ae.somme_avant, ae.lignes_apres, ae.somme_apres) == (2, 1050, 2, 420)
    cp = flux[("cp", "REGION", "53", 2023)]
    assert (cp.lignes_avant, cp.somme_avant, cp.lignes_apres, cp.somme_apres) == (2, 307, 1, 5)

    confirmed = _import(engine, _second(tmp_path), Confirmation(avant=avant_of(result.flux)))
    assert confirmed.written and not confirmed.a_confirmer and confirmed.lot is not None
    assert totals(engine, 2023) == (2, Decimal(420), Decimal(5))


def test_a_confirmation_of_a_state_that_changed_asks_again(engine, tmp_path):
    assert _import(engine, _first(tmp_path)).written
    shown = _import(engine, _second(tmp_path), Confirmation())
    other = write_ae(tmp_path / "ae-2023-v3.csv", [ae_row("9", 1, "9")])
    assert _import(engine, [other]).written  # someone else replaced 2023 AE meanwhile
    before = snapshot(engine)
    again = _import(engine, _second(tmp_path), Confirmation(avant=avant_of(shown.flux)))
    assert again.a_confirmer and not again.written and snapshot(engine) == before


def test_nothing_to_replace_imports_at_once(engine, tmp_path):
    result = _import(engine, _first(tmp_path), Confirmation())
    assert result.written and not result.a_confirmer and result.lot is not None
    assert all(f.lignes_avant == 0 for f in result.flux)
    assert totals(engine, 2023) == (3, Decimal(1050), Decimal(307))


def test_undo_restores_exactly_the_previous_lines_and_totals(engine, tmp_path):
    assert _import(engine, _first(tmp_path)).written
    other_year = write_ae(tmp_path / "ae-2022.csv", [ae_row("1", 1, "70")], exercice=2022)
    assert _import(engine, [other_year]).written
    state, total = dump(engine), totals(engine, 2023)
    result = _import(engine, _second(tmp_path))
    assert result.written and totals(engine, 2023) != total

    with engine.begin() as conn:
        undone = annulation.annuler(conn, result.lot, "agent@x.fr", "53", apres=etiquetage.reapply)
    assert {f.annee for f in undone.flux} == {2023}
    assert dump(engine) == state  # same rows, same ids, same read model and tags
    assert totals(engine, 2023) == total
    with engine.connect() as conn:
        assert annulation.get(conn, result.lot).statut == "annule"
        events = audit.search(conn, audit.Filtres(action="annulation-import"), limit=5)
    assert len(events) == 1 and events[0].qui == "agent@x.fr" and events[0].details["lot"] == result.lot

    with engine.begin() as conn, pytest.raises(AnnulationImpossible, match="déjà été annulé"):
        annulation.annuler(conn, result.lot, "agent@x.fr", "53")
    assert dump(engine) == state


def test_only_the_last_import_of_an_exercice_can_be_undone(engine, tmp_path):
    assert _import(engine, _first(tmp_path)).written
    second = _import(engine, _second(tmp_path))
    state = dump(engine)
    third = _import(engine, [write_ae(tmp_path / "ae-2023-v3.csv", [ae_row("4", 1, "4")])])
    with engine.begin() as conn, pytest.raises(AnnulationImpossible, match="plus récent"):
        annulation.annuler(conn, second.lot, "agent@x.fr", "53")
    with engine.begin() as conn:
        annulation.annuler(conn, third.lot, "agent@x.fr", "53")
    assert dump(engine) == state


def test_a_later_import_of_another_exercice_is_kept_by_an_undo(engine, tmp_path):
    assert _import(engine, _first(tmp_path)).written
    second = _import(engine, _second(tmp_path))
    later = write_ae(tmp_path / "ae-2024.csv", [ae_row("1", 1, "11"), ae_row("5", 1, "5")], exercice=2024)
    assert _import(engine, [later]).written
    with engine.begin() as conn:
        annulation.annuler(conn, second.lot, "agent@x.fr", "53")
    with engine.connect() as conn:
        assert Decimal(conn.exec_driver_sql("SELECT SUM(montant) FROM cp").scalar()) == 307
        years = conn.exec_driver_sql(
            "SELECT annee, SUM(montant) FROM ae_annee GROUP BY annee ORDER BY annee"
        ).all()
    assert [(a, Decimal(m)) for a, m in years] == [(2023, 1050), (2024, 16)]


def test_another_region_cannot_undo(engine, tmp_path):
    assert _import(engine, _first(tmp_path)).written
    second = _import(engine, _second(tmp_path))
    state = dump(engine)
    with engine.begin() as conn, pytest.raises(AnnulationImpossible, match="Aucun import"):
        annulation.annuler(conn, second.lot, "agent@y.fr", "52")
    with engine.connect() as conn:
        assert [lot.id for lot in annulation.annulables(conn, "53")] == [second.lot]
        assert annulation.annulables(conn, "52") == []
        assert annulation.find(conn, "53", 2023, "REGION").id == second.lot
    assert dump(engine) == state
