"""The demo's other sources: written in the real formats (the real readers accept them), with the
expected sizes, deterministic, and consistent with the generated Chorus and SIRENE files."""

from __future__ import annotations

import json

import polars as pl
import pytest

from dataetat.demo.generator import generate
from dataetat.demo.qpv_fictifs import LABEL_SUFFIX
from dataetat.demo.sources import FONDS_VERT_SHARE, generate_sources
from dataetat.ingest import ademe, dispositifs, france2030, qpv_csv, qpv_geo
from dataetat.ingest.source_csv import fold
from dataetat.referentiels.bundled import load_bundled_table

LIGNES = 3000


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    files = generate(LIGNES, out)
    return files, generate_sources(out, files, seed=53)


def _regions() -> dict[str, str]:
    return {
        fold(label): code for code, label in load_bundled_table("region").select("code", "label").iter_rows()
    }


def test_real_readers_accept_every_file(generated):
    files, sources = generated
    read = {
        "ademe": ademe.read_ademe(sources.ademe),
        "france_2030": france2030.read_france2030(sources.france_2030, _regions()),
        "qpv": qpv_geo.read_qpv(sources.qpv, 2024),
        "siret_qpv": qpv_csv.read_siret_qpv(sources.siret_qpv),
        "qpv_lieu_action": qpv_csv.read_lieu_action(sources.qpv_lieu_action),
        "pvd": dispositifs.read_dispositif(sources.pvd, "pvd"),
        "acv": dispositifs.read_dispositif(sources.acv, "acv"),
    }
    for name, source in read.items():
        assert source.valid, (name, source.report.triples())
        assert source.report.problems == [], name
    assert read["ademe"].frame.height == LIGNES // 200 == sources.counts["ademe"]
    assert read["france_2030"].frame.height == 5
    assert read["qpv"].frame.height == sources.counts["qpv"] == 25
    assert read["qpv"].extra["decoupage"] == 2024
    assert read["siret_qpv"].frame.height == sources.counts["siret_qpv_en_qpv"] > 0
    assert read["qpv_lieu_action"].frame.height == sources.counts["qpv_lieu_action"]
    assert read["pvd"].frame.height == 15 and read["acv"].frame.height == 4
    assert set(read["ademe"].annees) <= set(files.exercices)
    assert read["france_2030"].frame["code_region"].value_counts().sort("count")["code_region"][-1] == "53"


def test_formats_copy_the_public_files(generated):
    _, sources = generated
    assert sources.ademe.read_bytes().startswith(b"\xef\xbb\xbfNom de l attribuant,idAttribuant,")
    assert b"\r\n" in sources.ademe.read_bytes()
    f2030 = sources.france_2030.read_text("utf-8")
    assert f2030.startswith("date_dpm,operateur,") and "NaN" in f2030 and ".0," in f2030
    assert sources.qpv_lieu_action.read_bytes().startswith(b"\xef\xbb\xbfannee_exercice,ref_action,ej,")
    assert sources.pvd.read_bytes().startswith(b'"insee_com","lib_com","id_pvd","date_signature"\r\n"')
    assert sources.siret_qpv.read_bytes().startswith(b"siret;plg_qp15;plg_qp24\n")


def test_ademe_objets_and_fonds_vert_share(generated):
    _, sources = generated
    frame = ademe.read_ademe(sources.ademe).frame
    fonds_vert = frame.filter(
        pl.col("objet").str.to_lowercase().str.starts_with("fonds vert")
        | pl.col("objet").str.starts_with("FV")
    )
    assert fonds_vert.height == round(FONDS_VERT_SHARE * frame.height)
    assert frame["montant"].cast(pl.Float64).is_between(5_000, 2_000_000).all()


def test_qpvs_are_labelled_fictitious_and_lie_in_the_region(generated):
    files, sources = generated
    data = json.loads(sources.qpv.read_text("utf-8"))
    communes = set(
        load_bundled_table("commune").filter(pl.col("code_region") == files.region)["code"].to_list()
    )
    for feature in data["features"]:
        props = feature["properties"]
        assert props["lib_qp"].endswith(LABEL_SUFFIX) and props["code_qp"].startswith("QN")
        assert props["insee_com"] in communes
        ring = feature["geometry"]["coordinates"][0]
        assert len(ring) == 9 and ring[0] == ring[-1]


def test_beneficiaries_and_ejs_come_from_the_generated_files(generated):
    files, sources = generated
    sirets = set(pl.read_csv(files.sirene_etablissements, infer_schema=False)["siret"].to_list())
    assert set(ademe.read_ademe(sources.ademe).frame["siret"].to_list()) <= sirets
    lieu = qpv_csv.read_lieu_action(sources.qpv_lieu_action).frame
    ae = pl.concat(
        pl.read_csv(p, skip_rows=8, has_header=False, infer_schema=False, columns=[4]) for p in files.ae
    )
    assert set(lieu["n_ej"].to_list()) <= set(ae.to_series().to_list())
    assert 250 <= lieu["n_ej"].n_unique() <= 300
    codes = set(qpv_geo.read_qpv(sources.qpv, 2024).frame["code"].to_list())
    assert set(lieu["code_qpv"].to_list()) <= codes


def test_same_arguments_same_bytes(generated, tmp_path):
    files, sources = generated
    again = generate_sources(tmp_path, files, seed=53)
    for name in ("ademe", "france_2030", "qpv", "siret_qpv", "qpv_lieu_action", "pvd", "acv"):
        assert getattr(again, name).read_bytes() == getattr(sources, name).read_bytes(), name
