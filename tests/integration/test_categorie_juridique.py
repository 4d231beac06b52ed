"""Catégorie juridique as users read it, on both databases: the exact label API Entreprise gives
(« Département (7220) ») kept in the referential and preferred, else the INSEE level I label
(« 9220 — Groupement de droit privé »); a full reload of the referential keeps the learned labels."""

from datetime import datetime

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from tests.factories import import_two_regions

from dataetat.model.categorie_juridique import affichee, niveau_1
from dataetat.referentiels.bundled import load_bundled
from dataetat.store import enrichissement, referentiels
from dataetat.store.schema import ligne, ref_categorie_juridique
from dataetat.web.app import create_app

SIRET = "85129663200017"  # the factories' beneficiary (EJ 100, 101 of région 53)


def test_level_one_labels_and_display():
    assert len(niveau_1()) == 9
    assert niveau_1()["7"] == "Personne morale et organisme soumis au droit administratif"
    assert affichee("7220", "Département") == "Département (7220)"
    assert affichee("7220") == "7220 — Personne morale et organisme soumis au droit administratif"
    assert affichee("9220", "  ") == "9220 — Groupement de droit privé"
    assert affichee("0000") == "0000" and affichee("72") == "72" and affichee(None) is None


def _fiche(code: str, libelle: str | None) -> dict:
    return {
        "siret": SIRET, "siren": SIRET[:9], "denomination": "CONSEIL DÉPARTEMENTAL", "categorie_juridique": code,
        "categorie_juridique_libelle": libelle, "code_commune": "35238", "source": "api-entreprise",
    }  # fmt: skip


@pytest.fixture
def base(engine, tmp_path):
    return import_two_regions(engine, tmp_path)


def _label(engine, code):
    with engine.connect() as conn:
        t = ref_categorie_juridique
        return conn.execute(sa.select(t.c.label, t.c.type).where(t.c.code == code)).one_or_none()


def test_exact_label_learned_preferred_and_kept(base, settings):
    with base.begin() as conn:
        enrichissement.ecrire(conn, [_fiche("7220", "Département")], {}, datetime(2026, 1, 5))
    assert _label(base, "7220") == ("Département", "Collectivité")  # type of the bundled referential kept
    with base.connect() as conn:
        line_id = conn.execute(sa.select(ligne.c.id).where(ligne.c.n_ej == "100")).scalars().first()
    with TestClient(create_app(settings)) as web:
        page = web.get(f"/beneficiaires/{SIRET}").text
        assert "<dt>Catégorie juridique</dt><dd>Département (7220)</dd>" in page
        detail = web.get(f"/lignes/{line_id}").text
        assert "Département (7220)" in detail
        assert "53 - Bretagne" in detail  # the région of the import named too (same query)
    # A full reload of the bundled referential (no labels) keeps what API Entreprise taught.
    with base.begin() as conn:
        referentiels.load(conn, {"categorie_juridique": load_bundled()["categorie_juridique"]})
    assert _label(base, "7220") == ("Département", "Collectivité")
    # A code without exact label: its level I's.
    with base.begin() as conn:
        enrichissement.ecrire(conn, [_fiche("9220", None)], {}, datetime(2026, 1, 6))
    with TestClient(create_app(settings)) as web:
        page = web.get(f"/beneficiaires/{SIRET}").text
        assert "<dd>9220 — Groupement de droit privé</dd>" in page
