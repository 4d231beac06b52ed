"""The bundled postal code referential and the `code-postal` reader (npm JSON, La Poste CSV, gzip)."""

from __future__ import annotations

import gzip
import json

import polars as pl
import pytest

from dataetat.referentiels import readers as r
from dataetat.referentiels.bundled import bundled_path, load_bundled_table
from dataetat.referentiels.codes_postaux import read_codes_postaux

PASSAGE = pl.DataFrame({"code_ancien": ["14376"], "code_actuel": ["14581"]})


def pairs(frames: dict[str, pl.DataFrame]) -> list[tuple[str, str]]:
    assert list(frames) == ["code_postal"]
    return [tuple(row) for row in frames["code_postal"].iter_rows()]


def test_bundled_file_parses_and_covers_the_current_communes():
    path = bundled_path("code_postal")
    assert path.name == "codes_postaux.csv.gz" and path.stat().st_size <= 300_000
    frame = load_bundled_table("code_postal")
    assert frame is not None and frame.columns == ["code_postal", "code_commune"]
    assert frame.height > 30_000 and not frame.is_duplicated().any()
    assert frame["code_postal"].str.contains(r"^\d{5}$").all()
    communes = load_bundled_table("commune")
    assert frame["code_commune"].is_in(communes["code"].implode()).all()  # only COG 2026 communes
    metro = communes.filter(~pl.col("code").str.contains(r"^9[78]"))["code"]
    covered = metro.is_in(frame["code_commune"].implode()).mean()
    assert covered >= 0.95, covered
    rennes = frame.filter(pl.col("code_commune") == "35238")["code_postal"].to_list()
    assert {"35000", "35200", "35700"} <= set(rennes)
    # former communes are translated: no code of the passage table is left
    passage = load_bundled_table("commune_passage")
    assert not frame["code_commune"].is_in(passage["code_ancien"].implode()).any()


def test_npm_json_former_code_translated_and_arm_parent_added(tmp_path):
    path = tmp_path / "codes-postaux.json"
    entries = [
        {"codePostal": "35000", "codeCommune": "35238", "nomCommune": "Rennes"},
        {"codePostal": "14310", "codeCommune": "14376", "nomCommune": "Longraye"},
        {"codePostal": "75008", "codeCommune": "75108", "nomCommune": "Paris 8e Arrondissement"},
        {"codePostal": "1000", "codeCommune": "1053", "nomCommune": "Bourg-en-Bresse"},
        {"codePostal": "35000", "codeCommune": "35238", "nomCommune": "Rennes"},
    ]
    path.write_text(json.dumps(entries), encoding="utf-8")
    assert pairs(read_codes_postaux(path, passage=PASSAGE)) == [
        ("01000", "01053"),
        ("14310", "14581"),
        ("35000", "35238"),
        ("75008", "75056"),
        ("75008", "75108"),
    ]


def test_la_poste_csv_and_gzip(tmp_path):
    text = (
        "#Code_commune_INSEE;Nom_de_la_commune;Code_postal;Libellé_d_acheminement;Ligne_5\n"
        "2A004;AJACCIO;20000;AJACCIO;\n"
        "2A004;AJACCIO;20090;AJACCIO;\n"
        "35238;RENNES;35000;RENNES;\n"
    )
    plain = tmp_path / "laposte.csv"
    plain.write_text(text, encoding="cp1252")
    packed = tmp_path / "laposte.csv.gz"
    packed.write_bytes(gzip.compress(text.encode("utf-8")))
    expected = [("20000", "2A004"), ("20090", "2A004"), ("35000", "35238")]
    assert pairs(read_codes_postaux(plain, passage=PASSAGE)) == expected
    assert pairs(read_codes_postaux(packed, passage=PASSAGE)) == expected
    bundled = read_codes_postaux(bundled_path("code_postal"))["code_postal"]
    assert bundled.height == load_bundled_table("code_postal").height


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("x.json", "{pas du json", "JSON lisible"),
        ("x.json", '{"a": 1}', "liste d'objets"),
        ("x.json", '[{"cp": "35000"}]', "codePostal"),
        ("x.csv", "a,b\n1,2\n", "introuvable"),
        ("x.csv", "code_postal,code_commune\nabc,35238\n", "aucune ligne de données"),
        ("x.csv.gz", "pas du gzip", "gzip"),
    ],
)
def test_bad_files_are_refused_in_french(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(r.ReferentielError, match=message):
        read_codes_postaux(path, passage=PASSAGE)


def test_registry_has_code_postal():
    assert r.READERS["code-postal"] is read_codes_postaux
    assert "code postal" in r.KIND_HELP["code-postal"]
