"""Zones found by postal code and by département (the reference's fuzzy rules), the `ref_code_postal`
table loaded with the bundled referentials, by `dataetat import referentiel code-postal` and by the
migration of a base that already holds referentials. On DuckDB and PostgreSQL."""

from __future__ import annotations

import polars as pl
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from dataetat.cli import app
from dataetat.referentiels.bundled import bundled_path, load_bundled, load_bundled_table
from dataetat.store import migrate, referentiels
from dataetat.store.engine import make_engine
from dataetat.store.schema import ref_code_postal, ref_commune
from dataetat.web.app import create_app

COMMUNES = "/api/v1/referentiels/zones/commune"


def codes(settings, url: str, **params) -> list[str]:
    with TestClient(create_app(settings)) as api:
        response = api.get(url, params=params)
    assert response.status_code == 200, response.text
    return [item["code"] for item in response.json()]


def communes_of(postal: str) -> list[str]:
    frame = load_bundled_table("code_postal")
    return sorted(frame.filter(pl.col("code_postal") == postal)["code_commune"].to_list())


def test_postal_code_finds_its_commune(settings, engine):
    assert codes(settings, COMMUNES, q="35000") == ["35238"]
    # Rennes has several postal codes; 35200 is also the INSEE code of Rennes's neighbour, found next
    assert codes(settings, COMMUNES, q=" 35200 ") == ["35238", "35200"]
    with TestClient(create_app(settings)) as api:
        found = api.get(COMMUNES, params={"q": "35000"}).json()
    assert found == [{"code": "35238", "label": "35238 - Rennes"}]


def test_postal_code_shared_by_several_communes_finds_them_all(settings, engine):
    shared = communes_of("35160")
    assert len(shared) >= 5
    assert codes(settings, COMMUNES, q="35160")[: len(shared)] == shared  # then INSEE code 35160
    # an arrondissement's postal code finds it and its commune
    assert codes(settings, COMMUNES, q="75008") == ["75056", "75108"]


def test_postal_code_first_then_insee_code(settings, engine):
    with engine.connect() as conn:
        both = conn.execute(
            sa.select(ref_commune.c.code)
            .where(ref_commune.c.code.in_(sa.select(ref_code_postal.c.code_postal)))
            .order_by(ref_commune.c.code)
            .limit(1)
        ).scalar_one()
    assert codes(settings, COMMUNES, q=both) == [*communes_of(both), both]


def test_departement_code_finds_its_communes(settings, engine):
    with engine.connect() as conn:
        count = conn.execute(
            sa.select(sa.func.count()).where(ref_commune.c.code_departement == "35")
        ).scalar_one()
    found = codes(settings, COMMUNES, q="35", limite=500)
    assert len(found) == count > 300
    assert all(code.startswith("35") for code in found)
    assert found == sorted(found)
    corse = codes(settings, COMMUNES, q="2a", limite=500)
    assert corse and all(code.startswith("2A") for code in corse)
    ain = codes(settings, COMMUNES, q="1")  # département 01 first, then INSEE codes 1…
    assert len(ain) == 50 and all(code.startswith("01") for code in ain)


def test_insee_code_and_name_still_work(settings, engine):
    assert codes(settings, COMMUNES, q="35238") == ["35238"]
    assert all(code.startswith("3523") for code in codes(settings, COMMUNES, q="3523"))
    assert "35238" in codes(settings, COMMUNES, q="rennes")
    assert "97105" in codes(settings, COMMUNES, q="971")  # 3 digits: INSEE code prefix


def test_postal_code_at_the_other_levels(settings, engine):
    url = "/api/v1/referentiels/zones"
    assert codes(settings, f"{url}/departement", q="35000") == ["35"]
    assert codes(settings, f"{url}/region", q="35000") == ["53"]
    assert codes(settings, f"{url}/epci", q="35000") == ["243500139"]
    assert codes(settings, f"{url}/arrondissement", q="35000") == ["353"]
    assert codes(settings, f"{url}/departement", q="99999") == []


def test_bundled_postal_codes_loaded_with_the_referentials(engine):
    with engine.connect() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(ref_code_postal)).scalar_one()
    assert count == load_bundled_table("code_postal").height > 30_000


def test_import_referentiel_code_postal(settings, engine, tmp_path, monkeypatch):
    """La Poste's CSV layout (`;`, Windows-1252, repeated rows); a former commune code is translated."""
    passage = load_bundled_table("commune_passage")
    ancien, actuel = passage.row(0)
    path = tmp_path / "laposte.csv"
    path.write_text(
        "#Code_commune_INSEE;Nom_de_la_commune;Code_postal;Libellé_d_acheminement;Ligne_5\n"
        "35238;RENNES;35000;RENNES;\n"
        "35238;RENNES;35200;RENNES;\n"
        "35238;RENNES;35200;RENNES;\n"
        f"{ancien};ANCIENNE;99001;ANCIENNE;\n",
        encoding="cp1252",
    )
    monkeypatch.setenv("DATAETAT_DATABASE_URL", settings.database_url)
    result = CliRunner().invoke(
        app, ["import", "referentiel", "code-postal", str(path)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "code_postal : 3 lignes chargées" in result.stdout
    with engine.connect() as conn:
        rows = conn.execute(sa.select(ref_code_postal).order_by(ref_code_postal.c.code_postal)).all()
    assert [tuple(r) for r in rows] == [("35000", "35238"), ("35200", "35238"), ("99001", actuel)]
    assert codes(settings, COMMUNES, q="99001") == [actuel]
    # the bundled file reloads the same way
    result = CliRunner().invoke(
        app,
        ["import", "referentiel", "code-postal", str(bundled_path("code_postal"))],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert codes(settings, COMMUNES, q="35160")[:5] == communes_of("35160")[:5]


def test_migration_fills_a_base_that_has_referentials(settings, monkeypatch):
    engine = make_engine(settings)
    try:
        migrate.upgrade(engine, "0002")
        frames = {k: v for k, v in load_bundled().items() if k != "code_postal"}
        # The read model of today needs the schema of today (at revision 0002 it is empty anyway).
        monkeypatch.setattr(referentiels.readmodel, "rebuild_all", lambda conn: None)
        with engine.begin() as conn:
            referentiels.load(conn, frames)
        migrate.upgrade(engine)
        with engine.connect() as conn:
            count = conn.execute(sa.select(sa.func.count()).select_from(ref_code_postal)).scalar_one()
        assert count == load_bundled_table("code_postal").height
    finally:
        engine.dispose()
