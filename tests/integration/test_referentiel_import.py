"""Loading a new version of a referential: the `ref_*` tables and the read model change together, in the
same transaction; a partial frame updates only its columns. On DuckDB and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from tests.conftest import TEST_DATA
from tests.factories import ae_row, write_ae

from dataetat.referentiels.readers import READERS
from dataetat.store import referentiels
from dataetat.store.chorus_import import ImportOptions, import_chorus

PROGRAMME_THEME = TEST_DATA / "chorus" / "referentiels" / "code_programme_theme.csv"
CALCULETTE = TEST_DATA / "chorus" / "referentiels" / "Calculette_Chorus_test.xlsx"
COMMUNES = TEST_DATA / "cog" / "2026" / "communes.csv"


@pytest.fixture
def lines(engine, tmp_path):
    rows = [
        ae_row("1", 1, "10", programme="103"),
        ae_row("2", 1, "20", programme="105"),
        ae_row("3", 1, "30", programme="998", loc="N5329019"),
    ]
    result = import_chorus(engine, [write_ae(tmp_path / "ae.csv", rows)], ImportOptions(region="53"))
    assert result.written
    return engine


def line(conn, n_ej: str, *columns: str) -> tuple:
    return tuple(conn.exec_driver_sql(f"SELECT {', '.join(columns)} FROM ligne WHERE n_ej = '{n_ej}'").one())


def ref(conn, table: str, code: str, *columns: str, key: str = "code") -> tuple | None:
    row = conn.exec_driver_sql(f"SELECT {', '.join(columns)} FROM {table} WHERE {key} = '{code}'").first()
    return None if row is None else tuple(row)


def count(conn, table: str) -> int:
    return conn.exec_driver_sql(f"SELECT COUNT(*) FROM {table}").scalar_one()


def test_partial_frame_label_follows_in_the_read_model_in_the_same_transaction(lines):
    engine = lines
    with engine.connect() as conn:
        before = line(conn, "1", "programme_label", "programme_theme")
        assert before == (
            "Accompagnement des mutations économiques et développement de l'emploi",
            "Travail et emploi",
        )
        assert line(conn, "3", "programme_label") == (None,)  # unknown code kept
        programmes = count(conn, "ref_programme")
        conn.rollback()  # end the autobegun read transaction
        tx = conn.begin()
        loaded = referentiels.load(
            conn,
            {
                "programme": pl.DataFrame(
                    {"code": ["103", "998"], "label": ["Nouveau libellé", "Programme nouveau"]}
                )
            },
        )
        assert loaded == {"programme": 2}
        # same transaction: the line already follows, only the label column changed
        assert line(conn, "1", "programme_label", "programme_theme") == (
            "Nouveau libellé",
            "Travail et emploi",
        )
        assert line(conn, "3", "programme_label") == ("Programme nouveau",)
        assert ref(conn, "ref_programme", "998", "label", "theme", "code_ministere") == (
            "Programme nouveau",
            None,
            None,
        )
        assert count(conn, "ref_programme") == programmes + 1
        tx.rollback()
    # rolled back: the referential and the read model are both as they were
    with engine.connect() as conn:
        assert line(conn, "1", "programme_label", "programme_theme") == before
        assert ref(conn, "ref_programme", "998", "label") is None
    with engine.begin() as conn:
        referentiels.load(
            conn, {"programme": pl.DataFrame({"code": ["103"], "label": ["Encore un libellé"]})}
        )
    with engine.connect() as conn:
        assert line(conn, "1", "programme_label", "programme_theme") == (
            "Encore un libellé",
            "Travail et emploi",
        )
        assert line(conn, "2", "programme_label") == ("Action de la France en Europe et dans le monde",)


def test_full_frame_replaces_the_table(lines):
    with lines.begin() as conn:
        referentiels.load(
            conn, {"societe": pl.DataFrame({"code": ["XXXX"], "code_region": ["53"], "label": ["Test"]})}
        )
        assert count(conn, "ref_societe") == 1


def test_programme_theme_real_file(lines, tmp_path):
    frames = READERS["programme-theme"](PROGRAMME_THEME)
    with lines.begin() as conn:
        ministere_101 = ref(conn, "ref_programme", "101", "code_ministere")
        loaded = referentiels.load(conn, frames)
        assert loaded == {"programme": frames["programme"].height}
        # the file has no ministère: the programmes keep theirs
        assert ref(conn, "ref_programme", "101", "code_ministere") == ministere_101 == ("MIN10",)
        assert line(conn, "2", "programme_theme") == ("Action extérieure de l'Etat",)
    # a newer version of the file: a label changes, a programme appears
    text = PROGRAMME_THEME.read_text("utf-8").replace(
        "103,Accompagnement des mutations économiques et développement de l'emploi,Travail et emploi",
        "103,Mutations économiques,Emploi",
    )
    newer = tmp_path / "code_programme_theme.csv"
    newer.write_text(text.rstrip("\n") + '\n998,Programme d\'essai,"Essais, tests"\n', "utf-8")
    with lines.begin() as conn:
        referentiels.load(conn, READERS["programme-theme"](newer))
        assert line(conn, "1", "programme_label", "programme_theme") == ("Mutations économiques", "Emploi")
        assert line(conn, "3", "programme_label", "programme_theme") == ("Programme d'essai", "Essais, tests")


def test_calculette_real_file(lines):
    frames = READERS["calculette"](CALCULETTE)
    with lines.begin() as conn:
        theme_105 = ref(conn, "ref_programme", "105", "theme")
        centres = count(conn, "ref_centre_couts")
        loaded = referentiels.load(conn, frames)
        assert loaded == {kind: frame.height for kind, frame in frames.items()}
        # ministère has every column: replaced whole
        assert count(conn, "ref_ministere") == frames["ministere"].height
        # programme without thème: updated, thème kept
        assert ref(conn, "ref_programme", "105", "code_ministere", "theme") == ("MIN01", theme_105[0])
        assert line(conn, "2", "ministere_code", "ministere_label") == ("MIN01", "Europe&Aff.Étrangères")
        # centres de coûts: codes added, existing ones updated, no code lost
        assert count(conn, "ref_centre_couts") >= max(centres, frames["centre_couts"].height)
        code, label, dep = frames["centre_couts"].row(0)
        assert ref(conn, "ref_centre_couts", code, "label", "code_departement") == (label, dep)


def test_communes_real_file(lines, tmp_path):
    with lines.connect() as conn:
        rennes = line(
            conn,
            "1",
            "localisation_commune_code",
            "localisation_commune_label",
            "localisation_epci_code",
            "localisation_departement_code",
            "localisation_region_code",
        )
    assert rennes[:2] == ("35238", "Rennes") and rennes[2]
    frames = READERS["communes"](COMMUNES)  # ten départements of the COG (tests/data/PROVENANCE.md)
    with lines.begin() as conn:
        before = count(conn, "ref_commune")
        referentiels.load(conn, frames)
        # no EPCI column: the file's communes are updated in place, the others kept, none lost
        assert count(conn, "ref_commune") == before >= frames["commune"].height
        assert count(conn, "ref_commune_passage") == frames["commune_passage"].height
        # the file has no EPCI: the communes keep theirs
        assert (
            line(
                conn,
                "1",
                "localisation_commune_code",
                "localisation_commune_label",
                "localisation_epci_code",
                "localisation_departement_code",
                "localisation_region_code",
            )
            == rennes
        )
    # a commune renamed in a newer version
    text = COMMUNES.read_text("utf-8").replace(
        "COM,35238,53,35,35D,353,0,RENNES,Rennes,Rennes,",
        "COM,35238,53,35,35D,353,0,RENNES,Rennes-Nouvelle,Rennes-Nouvelle,",
    )
    assert "Rennes-Nouvelle" in text
    newer = tmp_path / "communes.csv"
    newer.write_text(text, "utf-8")
    with lines.begin() as conn:
        referentiels.load(conn, READERS["communes"](newer))
        assert line(conn, "1", "localisation_commune_label", "localisation_epci_code") == (
            "Rennes-Nouvelle",
            rennes[2],
        )
        assert line(conn, "3", "localisation_commune_label") == ("Brest",)


def test_wrong_file_for_the_kind_is_refused():
    from dataetat.referentiels.readers import ReferentielError

    with pytest.raises(ReferentielError):
        READERS["communes"](PROGRAMME_THEME)
    with pytest.raises(ReferentielError):
        READERS["programme-theme"](Path(COMMUNES))
