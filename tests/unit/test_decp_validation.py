"""The DECP validator: official examples valid, one golden report per rule, file-level problems,
records already parsed, a big generated file, the CLI."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dataetat.cli import app
from dataetat.decp import generateur
from dataetat.decp.validation import valider_document, valider_fichier
from dataetat.decp.validation.codes import CODES
from dataetat.decp.validation.regles import cle_luhn, siret_cle_fausse

DATA = Path(__file__).resolve().parents[1] / "data" / "decp"
DOCS = Path(__file__).resolve().parents[2] / "docs"
TODAY = date(2026, 12, 4)
OFFICIELS = [
    "marches_avec_modifications.json",
    "marches_concessions.json",
    "concessions.json",
    "concessions_avec_modifications.json",
    "Marche.xml",
    "Contrat-concession.xml",
    "Contrat-concession-modification.xml",
]


@pytest.mark.parametrize("name", OFFICIELS)
def test_official_examples_are_valid(name):
    rapport = valider_fichier(DATA / name, aujourd_hui=TODAY)
    assert rapport.valide, rapport.as_dict()
    assert rapport.erreurs == 0 and rapport.enregistrements == rapport.valides >= 2
    assert rapport.schema == ("decp-2.0.2-xsd" if name.endswith(".xml") else "decp-2.0.3")


def test_official_example_warnings_are_the_business_rules():
    """The official examples carry placeholder identifiers: warnings, not errors."""
    rapport = valider_fichier(DATA / "marches_avec_modifications.json", aujourd_hui=TODAY)
    assert rapport.triplets() == [
        (0, "acheteur.id", "siret-cle"),
        (0, "modifications[0].modification.titulaires[0].titulaire.id", "siret-format"),
        (0, "actesSousTraitance[0].acteSousTraitance.sousTraitant.id", "siret-format"),
        (0, "modifications[0].modification.dateNotificationModification", "date-avant-modification"),
        (1, "modifications[0].modification.titulaires[0].titulaire.id", "siret-format"),
        (1, "actesSousTraitance[0].acteSousTraitance.sousTraitant.id", "siret-format"),
        (1, "modifications[0].modification.dateNotificationModification", "date-avant-modification"),
    ]


GOLDEN_JSON = [
    (1, "objet", "champ-manquant"),
    (2, "montant", "montant-minimum"),
    (3, "codeCPV", "format-invalide"),
    (4, "codeCPV", "cpv-inconnu"),
    (5, "acheteur.id", "format-invalide"),
    (6, "titulaires[0].titulaire.id", "siret-cle"),
    (7, "titulaires[0].titulaire.id", "siret-format"),
    (8, "dateNotification", "date-invalide"),
    (9, "dateNotification", "dates-ordre"),
    (10, "datePublicationDonnees", "date-future"),
    (11, "montant", "montant-sous-seuil"),
    (12, "dureeMois", "duree-improbable"),
    (13, "id", "id-duplique"),
    (14, "modifications", "modification-ordre"),
    (15, "nature", "valeur-hors-liste"),
    (16, "dureeMois", "type-invalide"),
    (17, "dateNotification", "date-anterieure-format"),
    (18, "techniques.technique", "liste-vide"),
    (19, "id", "longueur-invalide"),
    (0, "valeurGlobale", "montant-minimum"),  # the contrat de concession
]


def test_every_rule_on_a_small_bad_file():
    rapport = valider_fichier(DATA / "regles-invalides.json", aujourd_hui=TODAY)
    assert rapport.triplets() == GOLDEN_JSON
    assert not rapport.valide
    assert (rapport.enregistrements, rapport.valides, rapport.erreurs, rapport.avertissements) == (
        22,
        8,
        14,
        6,
    )


def test_golden_report_json():
    """The whole JSON report (the CLI's and the API's) is pinned: shape, paths, French messages."""
    got = valider_fichier(DATA / "regles-invalides.json", aujourd_hui=TODAY).as_dict()
    golden = json.loads((DATA / "regles-invalides.rapport.json").read_text("utf-8"))
    assert got == golden
    record = got["enregistrements"][1]
    assert record["erreurs"][0] == {
        "chemin": "/marches/marche/2/montant",
        "champ": "montant",
        "code": "montant-minimum",
        "message": "Montant inférieur au minimum (1) : « 0 ».",
        "valeur": 0,
    }
    assert set(got) == {
        "valide",
        "schema",
        "fichier",
        "format",
        "stats",
        "enregistrements",
        "erreurs_fichier",
        "avertissements_fichier",
    }


def test_xml_bad_file_checked_by_the_xsd_and_the_rules():
    rapport = valider_fichier(DATA / "regles-invalides.xml", aujourd_hui=TODAY)
    assert rapport.triplets() == [
        (0, "dateNotification", "type-invalide"),  # not also « date-invalide »: one finding per value
        (0, "montant", "montant-minimum"),
        (0, "objet", "champ-manquant"),
        (0, "actesSousTraitance[0].acteSousTraitance.sousTraitant.id", "siret-format"),
        (1, "nature", "valeur-hors-liste"),
        (1, "sousTraitanceDeclaree", "type-invalide"),
        (1, "actesSousTraitance[0].acteSousTraitance.sousTraitant.id", "siret-format"),
        (1, "codeCPV", "cpv-inconnu"),
    ]
    first = rapport.details[0].constats[0]
    assert first.chemin == "/marches/marche/0/dateNotification"
    assert "date AAAA-MM-JJ" in first.message


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "fichier-vide"),
        (b"   \n", "fichier-vide"),
        (b"id;montant\n1;2\n", "format-inconnu"),
        (b'{"autre": 1}', "racine-invalide"),
        (b'{"marches": [{"id": "1"}]}', "racine-invalide"),  # the 1.x format
        (b'{"marches": {}}', "racine-invalide"),
        (b'{"marches": {"marche": []}}', "aucun-enregistrement"),
        (b'{"marches": {"marche": [{"id": "A"}, ', "json-invalide"),
        (b"<autre/>", "racine-invalide"),
        (b"<marches><marche><id>1</id>", "xml-invalide"),
    ],
)
def test_file_level_problems(content, code):
    rapport = valider_fichier(io.BytesIO(content), aujourd_hui=TODAY)
    assert not rapport.valide
    assert code in [c.code for c in rapport.fichier_constats], rapport.as_dict()


def test_v1_root_is_explained():
    rapport = valider_fichier(b'{"marches": [{"id": "1"}]}')
    assert "format 1.x" in rapport.fichier_constats[0].message


def test_truncated_file_keeps_the_records_before_the_break():
    text = (DATA / "marches_avec_modifications.json").read_bytes()
    cut = text[: text.index(b'"TEST2022Bis"')]
    rapport = valider_fichier(io.BytesIO(cut), aujourd_hui=TODAY)
    assert rapport.enregistrements == 1 and not rapport.valide
    assert rapport.fichier_constats[0].code == "json-invalide"


def test_non_seekable_stream_and_bom():
    class Pipe(io.RawIOBase):
        def __init__(self, data):
            self._inner = io.BytesIO(data)

        def readable(self):
            return True

        def readinto(self, b):
            chunk = self._inner.read(len(b))
            b[: len(chunk)] = chunk
            return len(chunk)

    data = b"\xef\xbb\xbf" + (DATA / "concessions.json").read_bytes()
    rapport = valider_fichier(Pipe(data), aujourd_hui=TODAY)
    assert rapport.valide and rapport.enregistrements == 2


def test_records_already_parsed():
    doc = json.loads((DATA / "regles-invalides.json").read_text("utf-8"))
    assert valider_document(doc, aujourd_hui=TODAY).triplets() == GOLDEN_JSON
    assert valider_document({"x": 1}).fichier_constats[0].code == "racine-invalide"


def test_details_are_capped_but_totals_count_everything():
    rapport = valider_fichier(DATA / "regles-invalides.json", aujourd_hui=TODAY, max_details=3)
    assert len(rapport.details) == 3 and rapport.enregistrements == 22 and rapport.erreurs == 14
    assert [c.code for c in rapport.fichier_constats] == ["details-tronques"]
    assert not rapport.valide  # the warning does not hide the errors


def test_big_generated_file_streams(tmp_path):
    path = generateur.ecrire_json(tmp_path / "gros.json", 20_000)
    rapport = valider_fichier(path, aujourd_hui=TODAY)
    assert rapport.valide and rapport.enregistrements == rapport.valides == 20_000
    assert rapport.details == [] and rapport.avertissements == 0


def test_siret_keys():
    assert cle_luhn("21750001630040") and not cle_luhn("21750001630066")
    assert siret_cle_fausse("55204599900869") is None
    assert siret_cle_fausse("12345678901250") == "du SIREN"
    assert siret_cle_fausse("35600000000047") is None  # La Poste: sum of digits multiple of 5


def test_every_code_is_documented():
    text = (DOCS / "decp.md").read_text("utf-8")
    for code in CODES:
        assert f"`{code}`" in text, code


def test_cli_exit_codes_and_json():
    runner = CliRunner()
    ok = runner.invoke(app, ["valider", "decp", str(DATA / "concessions.json")])
    assert ok.exit_code == 0 and "valide" in ok.output
    bad = runner.invoke(app, ["valider", "decp", str(DATA / "regles-invalides.json"), "--format", "json"])
    assert bad.exit_code == 1
    report = json.loads(bad.output)
    assert report["valide"] is False and report["stats"]["enregistrements"] == 22
    text = runner.invoke(app, ["valider", "decp", str(DATA / "regles-invalides.xml")])
    assert text.exit_code == 1 and "[champ-manquant]" in text.output and "non valide" in text.output


def test_cli_tabular_form():
    runner = CliRunner()
    ok = runner.invoke(
        app, ["valider", "decp", str(DATA / "tabulaire-exemple-valide.csv"), "--format", "json"]
    )
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["schema"] == "decp-tabulaire"
