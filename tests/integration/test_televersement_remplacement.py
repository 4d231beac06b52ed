"""The upload page asks before replacing an exercice: the comparison first (nothing written), then
« Confirmer le remplacement » imports the same files, « Annuler cet import » restores the previous
state (once); a refused check keeps the files for « Réessayer avec cet exercice »; the advice of a
regional identity never names a choice its form does not offer. On DuckDB and PostgreSQL."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from tests.factories import ae_row, aife_ae_row, cp_row, snapshot, write_ae, write_aife_ae, write_cp
from tests.integration.test_remplacement import dump
from tests.integration.test_televersement import _job, _send, _token, _wait

from dataetat.store.chorus_import import ImportOptions, import_chorus
from dataetat.web import csrf
from dataetat.web.app import create_app


@pytest.fixture
def app_settings(settings, engine, tmp_path):
    return settings.model_copy(update={"dossier_televersements": tmp_path / "televersements"})


def _already_there(engine, folder):
    ae = write_ae(folder / "ae-avant.csv", [ae_row(str(i), 1, "1000") for i in range(1, 6)])
    cp = write_cp(folder / "cp-avant.csv", [cp_row("1", 1, "900", "300")])
    assert import_chorus(engine, [ae, cp], ImportOptions(region="53")).written


def _new_files(folder):
    ae = write_ae(folder / "engagements-2023.csv", [ae_row("1", 1, "40"), ae_row("8", 1, "2")])
    cp = write_cp(folder / "paiements-2023.csv", [cp_row("8", 1, "950", "1")])
    return {"ae": ae, "cp": cp}


def _sums(engine) -> tuple:
    with engine.connect() as conn:
        row = conn.exec_driver_sql("SELECT COUNT(*), SUM(montant_ae), SUM(montant_cp) FROM ligne").one()
    return (row[0], Decimal(row[1]), Decimal(row[2]))


def _post(client: TestClient, url: str, **fields):
    data = {csrf.FIELD: _token(client), **fields}
    return client.post(url, data=data, follow_redirects=False)


def test_replacement_is_shown_then_confirmed_then_undone(app_settings, engine, tmp_path):
    _already_there(engine, tmp_path)
    state, before = dump(engine), snapshot(engine)
    assert _sums(engine) == (5, 5000, 300)
    with TestClient(create_app(app_settings)) as client:
        check = _send(client, _new_files(tmp_path), annee="2023")
        html = _wait(client, check)
        assert "seront supprimées et remplacées" in html and "Confirmer le remplacement" in html
        assert "Aucun import" not in html and "Import réussi" not in html
        row = re.search(r"<tr class=\"remplacement__remplace\">.*?</tr>", html, re.S).group(0)
        assert "2023" in row and "Engagements (AE)" in row and "Régional" in row and "Bretagne" in row
        assert "5\u202f000,00\u202f€" in row and "42,00\u202f€" in row  # now vs in the files
        assert snapshot(engine) == before  # nothing written before the confirmation
        checked = _job(engine, check).resultat
        assert checked["a_confirmer"] is True and checked["importe"] is False
        assert (checked["totaux"]["lignes_importees"], checked["totaux"]["somme_ae"]) == (3, 42)  # to import

        wrong = _post(client, f"/televersement/{check}/confirmer", empreintes="0" * 64)
        assert wrong.status_code == 409 and "ne sont pas ceux qui ont été vérifiés" in wrong.text
        empreintes = re.search(r'name="empreintes" value="([0-9a-f,]+)"', html).group(1)
        confirmed = _post(client, f"/televersement/{check}/confirmer", empreintes=empreintes)
        assert confirmed.status_code == 303
        job_id = int(confirmed.headers["location"].rsplit("/", 1)[1])
        again = _post(client, f"/televersement/{check}/confirmer", empreintes=empreintes)
        assert again.headers["location"] == f"/televersement/{job_id}"  # one import, not two
        report = _wait(client, job_id)
        assert "Import réussi" in report and "Données remplacées" in report and "Annuler cet import" in report
        assert _sums(engine) == (2, 42, 1)
        lot = _job(engine, job_id).resultat["lot"]
        assert lot is not None

        asked = _post(client, f"/televersement/lots/{lot}/annuler")  # sent before confirmer.js loaded
        assert asked.status_code == 200 and f"Annuler l&#39;import n° {lot} ?" in asked.text
        assert _sums(engine) == (2, 42, 1)  # asked, nothing undone
        undone = _post(client, f"/televersement/lots/{lot}/annuler", confirme="oui")
        assert undone.status_code == 303 and f"annule={lot}" in undone.headers["location"]
        assert dump(engine) == state and _sums(engine) == (5, 5000, 300)
        page = client.get(undone.headers["location"]).text
        assert f"Import n° {lot} annulé" in page and "Annulé" in page
        twice = _post(client, f"/televersement/lots/{lot}/annuler", confirme="oui")
        assert twice.status_code == 409 and "déjà été annulé" in twice.text
    assert dump(engine) == state


def test_a_new_exercice_is_imported_without_confirmation(app_settings, engine, tmp_path):
    with TestClient(create_app(app_settings)) as client:
        job_id = _send(client, _new_files(tmp_path), annee="2023")
        assert "Import réussi" in _wait(client, job_id)
    assert _sums(engine) == (2, 42, 1)
    assert not list((tmp_path / "televersements").rglob("*.csv"))


def test_a_refused_exercice_keeps_the_files_to_try_again(app_settings, engine, tmp_path):
    ae = write_ae(tmp_path / "sans-exercice.csv", [ae_row("1", 1, "10")], exercice="GFFF")
    with TestClient(create_app(app_settings)) as client:
        form = client.get("/televersement").text
        assert "« Lu dans le fichier » seulement si l'en-tête" in form
        refused = _wait(client, _send(client, {"ae": ae}))  # « Lu dans le fichier »
        assert "Import refusé" in refused and "Réessayer avec cet exercice" in refused
        assert list((tmp_path / "televersements").rglob("sans-exercice.csv"))  # kept
        token = re.search(r'name="csrf_token" value="([^"]+)"', refused)
        job_id = int(re.search(r'action="/televersement/(\d+)/reessayer"', refused).group(1))
        retry = client.post(
            f"/televersement/{job_id}/reessayer",
            data={csrf.FIELD: token.group(1) if token else _token(client), "annee": "2023"},
            follow_redirects=False,
        )
        assert retry.status_code == 303
        assert "Import réussi" in _wait(client, int(retry.headers["location"].rsplit("/", 1)[1]))
    assert _sums(engine)[:2] == (1, 10)


def test_regional_identity_is_not_told_to_choose_fichier_national(app_settings, engine, tmp_path):
    national = write_aife_ae(tmp_path / "national.csv", [aife_ae_row("1", 1, "10")])
    regional = app_settings.model_copy(update={"region_developpement": "53"})
    with TestClient(create_app(regional)) as client:
        form = client.get("/televersement").text
        assert (
            "Fichier national" not in form
            and "les extraits nationaux sont chargés par un compte national" in form
        )
        html = _wait(client, _send(client, {"ae": national}, annee="2023"))
    assert "Import refusé" in html
    assert "Fichier national" not in html and "seul un compte national peut le charger" in html
    with TestClient(create_app(app_settings)) as client:  # a national identity has the choice
        html = _wait(client, _send(client, {"ae": national}, annee="2023"))
    assert "choisissez « Fichier national »" in html
