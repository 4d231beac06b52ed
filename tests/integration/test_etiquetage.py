"""Tag rules (query/etiquetage.py): every reference rule seeded by migration 0007 on a small read
model written directly, manual tags merged, rules disabled or edited, on DuckDB and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from tests.factories import ae_row, write_ae
from typer.testing import CliRunner

from dataetat.cli import app
from dataetat.query import etiquetage, search
from dataetat.query.etiquetage import RegleError
from dataetat.query.params import QueryError, SearchParams, params_from_query
from dataetat.store import tag_regles
from dataetat.store.schema import commune_dispositif, ligne, ref_programme
from dataetat.store.tags_schema import tag_manuel, tag_regle

AE, CP, ADEME = "FINANCIAL_DATA_AE", "FINANCIAL_DATA_CP", "ADEME"

# id → the line's columns (source, programme, annee, objet, rp label, CPER, communes, EJ) and the tags expected
LIGNES = {
    1: dict(source=AE, programme_code="380", annee=2023, n_ej="E1", n_poste_ej=1),
    2: dict(source=CP, programme_code="380", annee=2023),  # orphan CP of programme 380: not fonds vert
    3: dict(source=ADEME, annee=2023, objet="Fonds vert : rénovation de l'école"),
    4: dict(source=ADEME, annee=2023, objet="FV-2023 éclairage"),
    5: dict(source=ADEME, annee=2023, objet="Chaleur renouvelable (pas fonds vert)"),
    6: dict(source=AE, programme_code="362", annee=2021, n_ej="E6", n_poste_ej=1),  # theme Plan de relance
    7: dict(
        source=AE, programme_code="119", annee=2022, referentiel_programmation_label="Subvention DETR 2022"
    ),
    8: dict(source=AE, programme_code="112", annee=2016, contrat_etat_region="CPER-BRE-1"),
    9: dict(source=AE, programme_code="112", annee=2021, contrat_etat_region="CPER-BRE-2"),
    10: dict(source=AE, programme_code="112", annee=2021, contrat_etat_region="#"),
    11: dict(source=AE, programme_code="112", annee=2014, contrat_etat_region="CPER-BRE-0"),
    12: dict(source=AE, programme_code="112", annee=2022, beneficiaire_commune_code="22050"),  # PVD
    13: dict(source=AE, programme_code="112", annee=2022, localisation_commune_code="35238"),  # ACV
    14: dict(source=AE, programme_code="112", annee=2022, n_ej="E14", n_poste_ej=2),  # manual tags only
    15: dict(source=AE, programme_code="112", annee=2022, contrat_etat_region=""),
}
ATTENDU = {
    1: "fonds-vert manuel:a",
    2: "cp-orphelin",
    3: "fonds-vert",
    4: "fonds-vert",
    5: None,
    6: "relance",
    7: "detr",
    8: "cper:2015-20",
    9: "cper:2021-27",
    10: None,
    11: None,
    12: "pvd",
    13: "acv",
    14: "dsil manuel:b",
    15: None,
}


_COLONNES = sorted({k for cols in LIGNES.values() for k in cols})


@pytest.fixture
def base(engine):
    with engine.begin() as conn:
        conn.execute(
            ligne.insert(),
            [
                {
                    "id": i,
                    "montant_ae": 1,
                    "montant_cp": 0,
                    "nombre_cp": 0,
                    "tags": "perime" if i == 5 else None,
                }
                | {k: cols.get(k) for k in _COLONNES}
                for i, cols in LIGNES.items()
            ],
        )
        conn.execute(ref_programme.delete().where(ref_programme.c.code == "362"))
        conn.execute(
            ref_programme.insert().values(code="362", label="Écologie (relance)", theme="Plan de relance")
        )
        conn.execute(
            commune_dispositif.insert(),
            [
                {"dispositif": "pvd", "code_commune": "22050"},
                {"dispositif": "acv", "code_commune": "35238"},
            ],
        )
        conn.execute(
            tag_manuel.insert(),
            [
                {"n_ej": "E1", "n_poste_ej": 1, "tags": "fonds-vert manuel:a"},  # rule tag not repeated
                {"n_ej": "E14", "n_poste_ej": 2, "tags": "dsil manuel:b"},
            ],
        )
    return engine


def _tags(engine) -> dict[int, str | None]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(ligne.c.id, ligne.c.tags)).all())


def _ordered(tags: str | None) -> str | None:
    return tags if tags is None else " ".join(sorted(tags.split()))


def test_reference_rules(base):
    with base.begin() as conn:
        tagged = etiquetage.reapply(conn)
    found = _tags(base)
    assert {i: _ordered(t) for i, t in found.items()} == {i: _ordered(t) for i, t in ATTENDU.items()}
    assert tagged == sum(1 for t in ATTENDU.values() if t)
    with base.begin() as conn:  # nothing changes the second time
        bilan = etiquetage.reapply_bilan(conn)
    assert bilan.modifiees == 0 and bilan.etiquetees == tagged


def test_disabled_and_edited_rules(base):
    with base.begin() as conn:
        etiquetage.reapply(conn)
        regles = {r.tag: r for r in tag_regles.all_rules(conn)}
        tag_regles.set_active(conn, regles["detr"].id, False, "admin@x.fr")
        tag_regles.update(conn, regles["pvd"].id, "pvd", "dispositif=acv", "élargie", "admin@x.fr")
        etiquetage.reapply(conn)
    found = _tags(base)
    assert found[7] is None
    assert found[12] is None and found[13] == "acv pvd"
    with base.begin() as conn:
        new = tag_regles.add(conn, "dsil", "source=FINANCIAL_DATA_AE&annee=2016", "essai", "admin@x.fr")
        etiquetage.reapply(conn)
    assert _tags(base)[8] == "cper:2015-20 dsil"
    with base.begin() as conn:
        tag_regles.delete(conn, new, "admin@x.fr")
        etiquetage.reapply(conn)
        events = conn.exec_driver_sql("SELECT count(*) FROM audit WHERE action = 'etiquetage'").scalar_one()
    assert _tags(base)[8] == "cper:2015-20"
    assert events == 4


def test_filter_by_tag_after_reapply(base):
    with base.begin() as conn:
        etiquetage.reapply(conn)
    with base.connect() as conn:
        found = search.count(conn, SearchParams(tags=["cper"]))
        by_value = search.count(conn, SearchParams(tags=["cper:2021-27"]))
    assert found == 2
    assert by_value == 1


def test_count_matching_and_each(base):
    with base.connect() as conn:
        assert etiquetage.count_matching(conn, "source=ADEME&objet=fonds vert,FV") == 2
        assert etiquetage.count_matching(conn, "cper=non&source=FINANCIAL_DATA_AE") == 8
        rules = dict(conn.execute(sa.select(tag_regle.c.id, tag_regle.c.parametres)).all())
        counts = etiquetage.count_each(conn, rules | {999: "inconnu=1"})
    assert counts[999] is None
    assert sum(v for v in counts.values() if v) == 10  # one line per rule, two ADEME ones


@pytest.mark.parametrize(
    ("tag", "parametres", "message"),
    [
        ("Fonds Vert", "source=ADEME", "invalide"),
        ("fonds vert", "source=ADEME", "sans espace"),
        ("", "source=ADEME", "Indiquez l'étiquette"),
        ("x", "", "Indiquez les paramètres"),
        ("x", "inconnu=1", "« inconnu » inconnu"),
        ("x", "source=ADEME&page=2", "« page »"),
        ("x", "source=ADEME&grouping=annee", "« grouping »"),
        ("x", "cper=peut-etre", "oui ou non"),
        ("x", "dispositif=crte", "dispositif « crte » inconnu"),
        ("x", "source=XYZ", "source « XYZ » inconnu"),
    ],
)
def test_validate_rule_refuses(tag, parametres, message):
    with pytest.raises(RegleError, match=message):
        etiquetage.validate_rule(tag, parametres)


def test_validate_rule_accepts_and_describes(engine):
    assert etiquetage.validate_rule(" cper:2021-27 ", "?cper=oui&annee=2021") == (
        "cper:2021-27",
        "cper=oui&annee=2021",
    )
    with engine.connect() as conn:
        text = etiquetage.describe(conn, "source=ADEME&objet=fonds vert,FV")
        assert "source : aides de l'ADEME" in text and "« fonds vert » ou « FV »" in text
        assert etiquetage.describe(conn, "page=2").startswith("règle invalide")


def test_params_of_the_new_filters():
    p = params_from_query({"cper": "OUI", "dispositif": "PVD,acv", "objet": "a,b"}).check()
    assert (p.cper, p.dispositif, p.objet) == ("oui", ["pvd", "acv"], ["a", "b"])
    with pytest.raises(QueryError):
        params_from_query({"dispositif": "x"}).check()


def test_cli_import_applies_the_rules(settings, engine, monkeypatch, tmp_path):
    """`import chorus` re-applies the rules inside the import: an EJ of programme 380 is fonds vert;
    `import referentiel` does too (a programme moved into the « Plan de relance » theme)."""
    monkeypatch.setenv("DATAETAT_DATABASE_URL", settings.database_url)
    path = write_ae(
        tmp_path / "ae.csv",
        [ae_row("2103000001", 1, "100.00", programme="380"), ae_row("2103000002", 1, "5.00")],
    )
    result = CliRunner().invoke(
        app, ["import", "chorus", str(path), "--region", "53"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    with engine.connect() as conn:
        found = dict(conn.execute(sa.select(ligne.c.n_ej, ligne.c.tags)).all())
    assert found == {"2103000001": "fonds-vert", "2103000002": None}
    themes = tmp_path / "programme-theme.csv"
    themes.write_text("code_programme,titre_programme,theme\n103,Emploi,Plan de relance\n", encoding="utf-8")
    result = CliRunner().invoke(
        app, ["import", "referentiel", "programme-theme", str(themes)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    with engine.connect() as conn:
        found = dict(conn.execute(sa.select(ligne.c.n_ej, ligne.c.tags)).all())
    assert found["2103000002"] == "relance"


def test_search_page_keeps_the_rule_filters(base):
    """A rule's search (API names) opens on the search page: filters applied, shown, kept by the form."""
    from dataetat.web.formulaire import Recherche

    r, errors = Recherche.from_query(
        {
            "source": ["FINANCIAL_DATA_AE"],
            "cper": ["oui"],
            "annee": ["2021,2022,2023"],
            "theme": ["Plan de relance|Autre"],
        }
    )
    assert errors == []
    assert (r.annee_min, r.annee_max, r.theme, r.cper) == (2021, 2023, ["Plan de relance", "Autre"], "oui")
    assert ("theme", "Plan de relance|Autre") in r.other_fields()
    assert "thème Plan de relance | Autre" in r.other_filters()
    r, errors = Recherche.from_query({"code_programme": ["380"], "dispositif": ["PVD,x"]})
    assert r.programmes == ["380"] and r.dispositif == ["pvd"] and "dispositif « x » inconnu" in errors[0]


def test_search_page_through_http(base, settings):
    from fastapi.testclient import TestClient

    from dataetat.web.app import create_app

    with base.begin() as conn:
        etiquetage.reapply(conn)
    with TestClient(create_app(settings)) as client:
        page = client.get(
            "/",
            params={"source": "FINANCIAL_DATA_AE", "cper": "oui", "annee": "2015,2016,2017,2018,2019,2020"},
        )
        assert page.status_code == 200
        assert "rattachées à un contrat de plan État-région" in page.text
        assert 'name="cper" value="oui"' in page.text
        api = client.get("/api/v1/lignes", params={"dispositif": "pvd,acv", "colonnes": "tags"})
        assert api.status_code == 200, api.text
        assert api.json()["total"]["count"] == 2
        refused = client.get("/api/v1/lignes", params={"cper": "peut-etre"})
        assert refused.status_code == 400 and "oui ou non" in refused.text


def test_like_wildcards_are_literal_and_case_ignored(base):
    with base.connect() as conn:
        assert etiquetage.count_matching(conn, "objet=fv_") == 0  # "_" is not "any character"
        assert etiquetage.count_matching(conn, "objet=fv-") == 1
        assert etiquetage.count_matching(conn, "objet=%vert") == 0
        assert etiquetage.count_matching(conn, "referentiel_programmation_libelle=DeTr") == 1
        assert etiquetage.count_matching(conn, "referentiel_programmation_libelle=detr%") == 0


def test_no_active_rule_leaves_manual_tags(base):
    with base.begin() as conn:
        conn.execute(tag_regle.update().values(actif=False))
        etiquetage.reapply(conn)
    found = {i: t for i, t in _tags(base).items() if t}
    assert found == {1: "fonds-vert manuel:a", 14: "dsil manuel:b"}
