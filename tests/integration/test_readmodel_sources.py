"""Read model of the new flows: operators' aid lines, beneficiaries' QPV, the QPV lieu d'action split.

Base rows are written with SQL here (the importers have their own tests); what is tested is what
the read model makes of them, on both databases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from tests.factories import ae_row, cp_row, write_ae, write_cp

from dataetat.query import details
from dataetat.query.params import SearchParams
from dataetat.query.search import search
from dataetat.store import readmodel
from dataetat.store.chorus_import import ImportOptions, import_chorus
from dataetat.store.schema import aide, beneficiaire, qpv_lieu_action, ref_qpv, siret_qpv

SIRET = "85129663200017"


def _lines(engine, where: str = "1 = 1") -> list[dict]:
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT id, partie, source, source_region, n_ej, n_poste_ej, montant_ae, montant_cp, objet, "
            "beneficiaire_qpv_code, beneficiaire_qpv24_code, lieu_action_qpv_code, qpv_code, qpv_label "
            f"FROM ligne WHERE {where} ORDER BY id, partie"
        )
        return [dict(r._mapping) for r in rows]


def _aide(**values) -> dict:
    """An `aide` row with every column (executemany wants the same keys in each row)."""
    keys = (
        "date_decision",
        "reference",
        "siret",
        "beneficiaire_nom",
        "objet",
        "operateur",
        "code_region",
        "code_departement",
    )
    return dict.fromkeys(keys) | values


def _qpvs(conn) -> None:
    conn.execute(
        ref_qpv.insert(),
        [
            {"code": "QP053001", "label": "Maurepas", "annee_decoupage": 2015, "code_commune": "35238"},
            {"code": "QN03501M", "label": "Maurepas 2024", "annee_decoupage": 2024, "code_commune": "35238"},
            {"code": "QN03502M", "label": "Le Blosne", "annee_decoupage": 2024, "code_commune": "35238"},
        ],
    )


def _import_ae(engine, folder, rows, cp_rows=()) -> None:
    files = [write_ae(folder / "ae.csv", rows, exercice=2023)]
    if cp_rows:
        files.append(write_cp(folder / "cp.csv", list(cp_rows), exercice=2023))
    assert import_chorus(engine, files, ImportOptions(region="53")).written


def test_aid_lines_take_the_files_region_or_the_beneficiarys(engine):
    with engine.begin() as conn:
        conn.execute(
            beneficiaire.insert(), [{"siret": SIRET, "denomination": "ATLAS", "code_commune": "35238"}]
        )
        conn.execute(
            aide.insert(),
            [
                _aide(
                    source="ADEME",
                    annee=2021,
                    date_decision=date(2021, 5, 5),
                    reference="21BRD0090",
                    siret=SIRET,
                    beneficiaire_nom="MEGO",
                    objet="Fonds vert TREMPLIN",
                    montant=5000,
                    operateur="ADEME",
                    import_id=1,
                ),
                _aide(
                    source="ADEME",
                    annee=2021,
                    siret="49972556200023",
                    beneficiaire_nom="LACTEUS",
                    montant=7000,
                    operateur="ADEME",
                    import_id=1,
                ),
                _aide(
                    source="FRANCE_2030",
                    annee=2021,
                    siret="26440013600471",
                    beneficiaire_nom="CHU NANTES",
                    objet="POLYCOR BIS",
                    montant=418492,
                    operateur="BPI",
                    code_region="52",
                    code_departement="44",
                    import_id=2,
                ),
            ],
        )
        readmodel.refresh_aides(conn, "ADEME", [2021])
        readmodel.refresh_aides(conn, "FRANCE_2030", [2021])
    with engine.connect() as conn:
        rows = {
            r.reference or r.objet: r
            for r in conn.exec_driver_sql(
                "SELECT source, source_region, montant_ae, montant_cp, beneficiaire_denomination, reference, objet, "
                "operateur, localisation_departement_code, beneficiaire_region_code FROM ligne"
            )
        }
    assert len(rows) == 3
    mego = rows["21BRD0090"]
    # SIRENE's name wins over the file's; the région is the beneficiary's (Bretagne).
    assert (mego.source, mego.source_region, mego.beneficiaire_denomination) == ("ADEME", "53", "ATLAS")
    assert (mego.montant_ae, mego.montant_cp, mego.operateur) == (Decimal(5000), Decimal(0), "ADEME")
    lacteus = next(r for r in rows.values() if r.montant_ae == 7000)
    assert lacteus.source_region is None  # beneficiary unknown: « région inconnue », national users only
    assert lacteus.beneficiaire_denomination == "LACTEUS"
    chu = rows["POLYCOR BIS"]
    assert (chu.source_region, chu.localisation_departement_code) == ("52", "44")

    # A search by source, and the région scope: Pays de la Loire sees its laureate, not the aid of
    # unknown région (issue 11 item 8: counted apart, national users only).
    with engine.connect() as conn:
        result = search(conn, SearchParams(source="FRANCE_2030"), "52")
        assert result.total.montant_ae == 418492
        assert search(conn, SearchParams(), "52").total.montant_ae == 418492
        assert search(conn, SearchParams(source="ADEME"), None).total.montant_ae == 5000 + 7000
        # A re-import of the year replaces it (here: the year emptied).
    with engine.begin() as conn:
        conn.execute(aide.delete().where(aide.c.source == "ADEME"))
        readmodel.refresh_aides(conn, "ADEME", [2021])
    assert [r["source"] for r in _lines(engine)] == ["FRANCE_2030"]


def test_beneficiary_qpv_2015_and_2024(engine, tmp_path):
    _import_ae(engine, tmp_path, [ae_row("100", 1, "1000")])
    with engine.begin() as conn:
        _qpvs(conn)
        conn.execute(
            siret_qpv.insert(), [{"siret": SIRET, "code_qpv15": "QP053001", "code_qpv24": "QN03501M"}]
        )
        readmodel.rebuild_all(conn)
    [line] = _lines(engine)
    assert (line["beneficiaire_qpv_code"], line["beneficiaire_qpv24_code"]) == ("QP053001", "QN03501M")
    assert (line["qpv_code"], line["qpv_label"]) == ("QN03501M", "Maurepas 2024")
    with engine.connect() as conn:
        for niveau, code in (("qpv", "QP053001"), ("qpv24", "QN03501M")):
            found = search(conn, SearchParams(niveau_geo=niveau, code_geo=[code]))
            assert found.total.montant_ae == 1000


def _lieu(conn, ej: str, qpv: str, montant: int, annee: int = 2023, libelle: str = "Action") -> None:
    conn.execute(
        qpv_lieu_action.insert(),
        {
            "annee": annee,
            "n_ej": ej,
            "code_qpv": qpv,
            "code_qpv24": qpv,
            "montant": montant,
            "libelle_action": libelle,
            "import_id": 9,
        },
    )


@pytest.fixture
def split(engine, tmp_path):
    """EJ 100: postes 1 (1,000 €) and 2 (3,000 €), paid 400 € on poste 1; split 1,000 € to Maurepas and
    2,000 € to Le Blosne (3,000 of 4,000 €)."""
    _import_ae(
        engine,
        tmp_path,
        [ae_row("100", 1, "1000"), ae_row("100", 2, "3000"), ae_row("101", 1, "50")],
        [cp_row("100", 1, "900", "400")],
    )
    with engine.begin() as conn:
        _qpvs(conn)
        _lieu(conn, "100", "QN03501M", 1000, libelle="Médiation")
        _lieu(conn, "100", "QN03502M", 1500)
        _lieu(conn, "100", "QN03502M", 500, annee=2024)
        readmodel.refresh_ejs(conn, ["100"])
    return engine


def test_lieu_action_splits_the_amount_not_the_whole_ae(split):
    lines = _lines(split, "n_ej = '100'")
    by_part = {(r["n_poste_ej"], r["lieu_action_qpv_code"]): r for r in lines}
    assert by_part[(1, "QN03501M")]["montant_ae"] == Decimal("250.00")  # 1000 × 1000/4000
    assert by_part[(1, "QN03502M")]["montant_ae"] == Decimal("500.00")
    assert by_part[(1, None)]["montant_ae"] == Decimal("250.00")
    assert by_part[(2, "QN03501M")]["montant_ae"] == Decimal("750.00")
    assert by_part[(1, "QN03501M")]["montant_cp"] == Decimal("100.00")  # 400 × 1/4
    assert by_part[(1, "QN03501M")]["objet"] == "Médiation"
    # The parts of a line add up to the line: the totals do not move.
    assert sum(r["montant_ae"] for r in lines) == 4000
    assert sum(r["montant_cp"] for r in lines) == 400
    with split.connect() as conn:
        assert search(conn, SearchParams()).total.montant_ae == 4050
        in_blosne = search(conn, SearchParams(niveau_geo="qpv24", code_geo=["QN03502M"]))
        assert in_blosne.total.montant_ae == 2000  # the split amount, not the whole AE (4,000 €)
        grouped = search(conn, SearchParams(grouping=["qpv_code"]))
        totals = {g["code"]: g["montant_ae"] for g in grouped.groupes}
        assert totals["QN03501M"] == 1000 and totals["QN03502M"] == 2000
        # The line's page shows the whole line and its split.
        line_id = by_part[(1, None)]["id"]
        line = details.line(conn, line_id)
        assert line["montant_ae"] == 1000 and line["montant_cp"] == 400
        assert {p["qpv_code"]: p["montant_ae"] for p in line["parties"]} == {"QN03501M": 250, "QN03502M": 500}


def test_a_chorus_reimport_keeps_the_split_and_a_removed_split_restores_the_line(split, tmp_path):
    _import_ae(
        split,
        tmp_path,
        [ae_row("100", 1, "1000"), ae_row("100", 2, "3000"), ae_row("101", 1, "50")],
        [cp_row("100", 1, "900", "400")],
    )
    lines = _lines(split, "n_ej = '100'")
    assert len(lines) == 6 and sum(r["montant_ae"] for r in lines) == 4000
    with split.begin() as conn:
        conn.execute(qpv_lieu_action.delete())
        readmodel.refresh_ejs(conn, ["100"])
    assert [(r["n_poste_ej"], r["partie"], r["montant_ae"]) for r in _lines(split, "n_ej = '100'")] == [
        (1, 0, Decimal("1000.00")),
        (2, 0, Decimal("3000.00")),
    ]


def test_a_split_larger_than_the_ae_is_scaled_down_and_a_whole_split_leaves_no_empty_line(engine, tmp_path):
    _import_ae(engine, tmp_path, [ae_row("100", 1, "1000")])
    with engine.begin() as conn:
        _qpvs(conn)
        _lieu(conn, "100", "QN03501M", 1500)
        _lieu(conn, "100", "QN03502M", 500)
        readmodel.refresh_ejs(conn, ["100"])
    lines = _lines(engine)
    assert [(r["partie"], r["lieu_action_qpv_code"], r["montant_ae"]) for r in lines] == [
        (1, "QN03501M", Decimal("750.00")),
        (2, "QN03502M", Decimal("250.00")),
    ]
    with engine.connect() as conn:
        assert sa.select(sa.func.count()).select_from(sa.table("ligne")) is not None
        assert search(conn, SearchParams()).total.montant_ae == 1000


def test_line_page_shows_the_split_and_an_aid_shows_its_operator(split, settings):
    from fastapi.testclient import TestClient

    from dataetat.web.app import create_app

    with split.connect() as conn:
        line_id = conn.exec_driver_sql(
            "SELECT id FROM ligne WHERE n_ej = '100' AND n_poste_ej = 1 LIMIT 1"
        ).scalar()
    with split.begin() as conn:
        conn.execute(
            aide.insert(),
            _aide(
                source="ADEME",
                annee=2022,
                reference="22BRD0001",
                objet="Fonds Chaleur",
                montant=12000,
                operateur="ADEME",
                siret=SIRET,
                import_id=3,
            ),
        )
        readmodel.refresh_aides(conn, "ADEME", [2022])
        aid_id = conn.exec_driver_sql("SELECT id FROM ligne WHERE source = 'ADEME'").scalar()
    with TestClient(create_app(settings)) as http:
        page = http.get(f"/lignes/{line_id}")
        assert page.status_code == 200
        assert "Répartition par QPV du lieu de l'action" in page.text
        assert "QN03501M - Maurepas 2024" in page.text and "Médiation" in page.text
        assert "1\u202f000,00" in page.text  # the whole line, not part 0
        api = http.get(f"/api/v1/lignes/{line_id}").json()
        assert len(api["parties"]) == 2
        aid = http.get(f"/lignes/{aid_id}")
        assert "Aide de l&#39;ADEME n° 22BRD0001" in aid.text and "Fonds Chaleur" in aid.text
        assert "Programme et imputation" not in aid.text


def test_a_lieu_action_file_splits_the_lines_already_imported(engine, tmp_path):
    from dataetat.store.sources_import import import_source

    _import_ae(engine, tmp_path, [ae_row("2104697991", 1, "4000")])
    with engine.begin() as conn:
        _qpvs(conn)
    path = tmp_path / "lieu.csv"
    path.write_text(
        "\ufeffannee_exercice,ref_action,ej,code_qpv,code_qpv24,montant_ventillé,libellé action,siret\n"
        "2023,PREFD35-23-1,2104697991,QP053001,QN03501M,1000,Médiation,85129663200017\n"
        "2023,PREFD35-23-2,2104697991,NR,QN03502M,3000,Soutien scolaire,85129663200017\n",
        "utf-8",
    )
    result = import_source(engine, "qpv-lieu-action", path)
    assert result.written
    parts = {r["lieu_action_qpv_code"]: r["montant_ae"] for r in _lines(engine)}
    assert parts == {"QN03501M": Decimal("1000.00"), "QN03502M": Decimal("3000.00")}  # nothing left outside
    with engine.connect() as conn:
        assert search(conn, SearchParams()).total.montant_ae == 4000


def test_the_map_at_qpv_level_draws_each_part_in_its_quartier(split):
    from dataetat.query.carte import carte

    with split.connect() as conn:
        result = carte(conn, SearchParams(), "qpv")
    assert {z.code: z.montant_ae for z in result.zones} == {"QN03501M": 1000, "QN03502M": 2000}
    assert result.zones[0].label == "Le Blosne"
    assert (result.sans_zone.montant_ae, result.total.montant_ae) == (1050, 4050)
