"""Referential readers on the real source files, and the bundled referentials."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from tests.conftest import TEST_DATA

from dataetat.referentiels import readers as r
from dataetat.referentiels._tabular import departement_from_postal, normalise_text
from dataetat.referentiels.bundled import load_bundled
from dataetat.store.schema import REFERENTIAL_TABLES

CHORUS = TEST_DATA / "chorus" / "referentiels"
COG = TEST_DATA / "cog" / "2026"
SOCIETE = Path(__file__).parents[2] / "scripts" / "data" / "societe.csv"


def row(frame: pl.DataFrame, code: str, key: str = "code") -> dict:
    found = frame.filter(pl.col(key) == code).to_dicts()
    assert len(found) == 1, f"{code} absent"
    return found[0]


def assert_well_formed(frames: dict[str, pl.DataFrame]) -> None:
    for table, frame in frames.items():
        columns = [c.name for c in REFERENTIAL_TABLES[table].columns]
        key = columns[0]
        assert set(frame.columns) <= set(columns), table
        assert key in frame.columns
        assert all(dtype == pl.Utf8 for dtype in frame.dtypes), table
        assert frame[key].null_count() == 0 and frame[key].is_unique().all(), table
        assert frame.height > 0, table


@pytest.fixture(scope="module")
def communes() -> dict[str, pl.DataFrame]:
    return r.read_communes(COG / "communes.csv")


# --- helpers --------------------------------------------------------------------------------------


def test_normalise_text():
    assert normalise_text("  Libellé  Ministère ") == "libelle ministere"
    assert normalise_text("Si,te") == "site"
    assert normalise_text("Sous-segment (GM)") == "sous segment gm"
    assert normalise_text("code_programme") == "code programme"


def test_departement_from_postal():
    codes = ["35000", "01000", "20090", "20167", "20200", "20600", "97400", "98800", "7500", None]
    frame = pl.DataFrame({"cp": codes}, schema={"cp": pl.Utf8})
    result = frame.select(departement_from_postal(pl.col("cp")).alias("dep"))["dep"].to_list()
    assert result == ["35", "01", "2A", "2A", "2B", "2B", "974", "988", None, None]


# --- Chorus -------------------------------------------------------------------------------------


def test_calculette():
    frames = r.read_calculette(CHORUS / "Calculette_Chorus_test.xlsx")
    assert_well_formed(frames)
    assert set(frames) == {
        "ministere",
        "programme",
        "domaine_fonctionnel",
        "referentiel_programmation",
        "centre_couts",
        "groupe_marchandise",
    }
    assert row(frames["ministere"], "MIN10") == {"code": "MIN10", "sigle": "MINJU", "label": "Justice"}
    p105 = row(frames["programme"], "105")
    assert p105["code_ministere"] == "MIN01" and p105["label"].startswith("Action de la France")
    assert row(frames["programme"], "101")["code_ministere"] == "MIN10"  # seen in the activités sheet
    assert row(frames["domaine_fonctionnel"], "0104-12-15")["label"] == "Actions Réfugiés"
    activite = row(frames["referentiel_programmation"], "010101010101")
    assert activite["label"] == "DOTATIONS CARPA AJ ET AUTRES INTERVENTIONS"
    assert row(frames["centre_couts"], "AECADFR075")["code_departement"] == "75"
    assert frames["centre_couts"].height > 1400
    assert set(frames["centre_couts"]["code_departement"].drop_nulls()) >= {"2A", "2B", "971", "93"}
    gm = row(frames["groupe_marchandise"], "01.01.01")
    assert gm["segment"] == "Affranchissement" and gm["domaine"] == "Affranchissement et impression"


def test_centre_couts_extract():
    frames = r.read_centre_couts(CHORUS / "centre_cout.xlsx")
    assert_well_formed(frames)
    cc = row(frames["centre_couts"], "16GY991")
    assert cc == {
        "code": "16GY991",
        "label": "(R)HORS ADT",
        "description": "(R) Hors Armee de Terre",
        "code_postal": "75000",
        "ville": "PARIS",
        "code_departement": "75",
    }
    assert row(frames["centre_couts"], "3070ATE012")["code_departement"] is None


def test_programme_theme():
    frames = r.read_programme_theme(CHORUS / "code_programme_theme.csv")
    assert_well_formed(frames)
    assert row(frames["programme"], "103")["theme"] == "Travail et emploi"


def test_localisation_interministerielle(communes):
    path = CHORUS / "LOC_INTERMIN_20230126.csv"
    frames = r.read_localisation_interministerielle(path, communes=communes["commune"])
    assert_well_formed(frames)
    loc = row(frames["localisation_interministerielle"], "B100000")
    assert loc["niveau"] == "BATIMENT" and loc["code_departement"] == "30"
    assert loc["code_parent"] == "S120594"
    assert loc["code_commune"] == "30189"  # Nîmes, resolved by name within the département


def test_localisation_commune_code_from_code(tmp_path):
    path = tmp_path / "LOC_INTERMIN.csv"
    header = "Loc int;Niveau;Région;N° DEP;Département;Commune;Site;Déb.valid.;Fin valid.;Code Père;Libellé\n"
    line = "N5335238;COMMUNE;BRETAGNE;35;Ille-et-Vilaine;Rennes;;;;N5335;RENNES\n"
    path.write_bytes((header + line).encode("cp1252"))  # Windows-1252, as Chorus extracts often are
    frames = r.read_localisation_interministerielle(path, communes=pl.DataFrame())
    loc = row(frames["localisation_interministerielle"], "N5335238")
    assert loc["code_commune"] == "35238" and loc["code_departement"] == "35"


def test_categorie_juridique():
    frames = r.read_categorie_juridique(CHORUS / "categorie_juridique_type.csv")
    assert_well_formed(frames)
    cj = frames["categorie_juridique"]
    assert row(cj, "7210")["type"] == "Collectivité"
    assert row(cj, "5710")["type"] == "Entreprise"
    assert row(cj, "9220")["type"] == "Association"
    assert row(cj, "1000")["type"] is None


def test_societe():
    frames = r.read_societe(SOCIETE)
    assert_well_formed(frames)
    assert row(frames["societe"], "BRET")["code_region"] == "53"
    assert row(frames["societe"], "ADCE")["code_region"] == "00"
    assert frames["societe"].height == 30


# --- COG ----------------------------------------------------------------------------------------


def test_regions_departements_arrondissements():
    regions = r.read_regions(COG / "regions.csv")["region"]
    assert row(regions, "53")["label"] == "Bretagne"
    assert row(regions, "00")["label"] == "Administration centrale"
    assert row(regions, "99")["label"] == "Étranger"
    departements = r.read_departements(COG / "departements.csv")
    assert_well_formed(departements)
    assert row(departements["departement"], "2A")["code_region"] == "94"
    assert row(departements["departement"], "35")["label"] == "Ille-et-Vilaine"
    arrondissements = r.read_arrondissements(COG / "arrondissements.csv")
    assert row(arrondissements["arrondissement"], "353")["code_departement"] == "35"


def test_communes(communes):
    assert_well_formed(communes)
    commune = communes["commune"]
    rennes = row(commune, "35238")
    assert (rennes["label"], rennes["code_departement"], rennes["code_region"]) == ("Rennes", "35", "53")
    paris_1 = row(commune, "75101")  # municipal arrondissement (ARM)
    assert (paris_1["code_departement"], paris_1["code_region"]) == ("75", "11")
    assert commune.filter(pl.col("code") == "44225").is_empty()  # Freigné, commune déléguée
    assert row(communes["commune_passage"], "44225", key="code_ancien")["code_actuel"] == "44180"


def test_epci():
    frames = r.read_epci(COG / "epcicom.xlsx")
    assert_well_formed(frames)
    rennes_metropole = {"code": "243500139", "label": "Rennes Métropole", "nature": "METRO"}
    assert row(frames["epci"], "243500139") == rennes_metropole
    assert row(frames["commune"], "35238")["code_epci"] == "243500139"


def test_mouvements(communes):
    current = set(communes["commune"]["code"].to_list())
    passage = r.read_mouvements(COG / "mouvements-communes.csv", current=current)["commune_passage"]
    assert_well_formed({"commune_passage": passage})
    # Pont-Farcy: 14513 -> 50649 (changed département, 2018) -> merged into Tessy-Bocage 50592.
    assert row(passage, "14513", key="code_ancien")["code_actuel"] == "50592"
    assert row(passage, "49144", key="code_ancien")["code_actuel"] == "44180"
    assert set(passage["code_actuel"]) <= current
    assert not set(passage["code_ancien"]) & current
    inferred = r.read_mouvements(COG / "mouvements-communes.csv")["commune_passage"]
    assert inferred.sort("code_ancien").equals(passage.sort("code_ancien"))


# --- Bad files ----------------------------------------------------------------------------------


def test_csv_given_to_calculette():
    with pytest.raises(r.ReferentielError, match="code_programme_theme.csv.*classeur Excel"):
        r.read_calculette(CHORUS / "code_programme_theme.csv")


def test_workbook_missing_sheet():
    with pytest.raises(
        r.ReferentielError, match="centre_cout.xlsx.*feuille «\u00a002 - Ministères\u00a0» absente"
    ):
        r.read_calculette(CHORUS / "centre_cout.xlsx")


def test_missing_column(tmp_path):
    path = tmp_path / "themes.csv"
    path.write_text("code_programme,titre_programme\n103,Accompagnement\n", encoding="utf-8")
    with pytest.raises(
        r.ReferentielError, match="themes.csv.*colonne\\(s\\) «\u00a0theme\u00a0» introuvable"
    ):
        r.read_programme_theme(path)


def test_empty_and_missing_files(tmp_path):
    empty = tmp_path / "vide.csv"
    empty.write_text("")
    with pytest.raises(r.ReferentielError, match="vide.csv.*vide"):
        r.read_regions(empty)
    with pytest.raises(r.ReferentielError, match="introuvable"):
        r.read_regions(tmp_path / "absent.csv")
    header_only = tmp_path / "regions.csv"
    header_only.write_text("REG,CHEFLIEU,TNCC,NCC,NCCENR,LIBELLE\n")
    with pytest.raises(r.ReferentielError, match="aucune ligne de données"):
        r.read_regions(header_only)


def test_registry():
    assert set(r.READERS) == set(r.KIND_HELP)
    assert issubclass(r.ReferentielError, ValueError)
    assert {"calculette", "communes", "epci", "mouvements", "societe"} <= set(r.READERS)


# --- Bundled ------------------------------------------------------------------------------------


def test_load_bundled():
    tables = load_bundled()
    assert set(tables) == set(REFERENTIAL_TABLES)
    for table, frame in tables.items():
        assert frame.columns == [c.name for c in REFERENTIAL_TABLES[table].columns], table
        assert all(dtype == pl.Utf8 for dtype in frame.dtypes), table
        assert frame.height > 0, table
    rennes = row(tables["commune"], "35238")
    assert rennes["code_epci"] == "243500139" and rennes["code_region"] == "53"
    assert row(tables["commune"], "75101")["code_epci"] == "200054781"  # ARM: EPCI of Paris
    programme = row(tables["programme"], "103")
    assert programme["theme"] == "Travail et emploi" and programme["label"].startswith("Accompagnement")
    assert row(tables["programme"], "105")["code_ministere"] == "MIN01"
    assert row(tables["societe"], "BRET")["code_region"] == "53"
    assert row(tables["region"], "99")["label"] == "Étranger"
    assert row(tables["categorie_juridique"], "0000")["type"] == "Collectivité"  # leading zeros kept
    assert row(tables["centre_couts"], "16GY991")["code_postal"] == "75000"


def test_commune_label_is_the_official_libelle_with_its_article():
    # COG gives NCCENR ("Abergement-Clémenciat") before LIBELLE ("L'Abergement-Clémenciat"):
    # the official LIBELLE must win whatever the column order.
    from dataetat.referentiels.bundled import load_bundled_table

    communes = load_bundled_table("commune")
    assert communes.filter(communes["code"] == "01001")["label"].to_list() == ["L'Abergement-Clémenciat"]
