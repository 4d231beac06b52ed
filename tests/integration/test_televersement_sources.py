"""The upload page for the other sources: the kind of file chosen in the form, run as a job with the
same report; a refused file writes nothing; referential kinds are for administrators."""

import re

import pytest
from fastapi.testclient import TestClient
from tests.conftest import TEST_DATA

from dataetat.store.sources_import import KINDS
from dataetat.web import csrf
from dataetat.web.app import create_app
from dataetat.web.deps import Identity
from dataetat.web.pages import televersement

SOURCES = TEST_DATA / "sources"


@pytest.fixture
def client(settings, engine, tmp_path):
    app_settings = settings.model_copy(update={"dossier_televersements": tmp_path / "televersements"})
    with TestClient(create_app(app_settings)) as client:
        yield client


def _send(client, kind: str, path, **fields):
    page = client.get("/televersement")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    data = {csrf.FIELD: token, "source": kind, **fields}
    files = {"fichier": (path.name, path.read_bytes(), "text/csv")}
    return client.post("/televersement/sources", data=data, files=files, follow_redirects=False)


def _report(client, response) -> str:
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    for _ in range(600):
        state = client.get(location + "/etat")
        if state.status_code == 286:
            return state.text
        import time

        time.sleep(0.05)
    raise AssertionError("import toujours en cours")


def test_form_lists_the_other_sources(client):
    page = client.get("/televersement").text
    assert 'id="televersement-sources"' in page
    for code in ("ademe", "france2030", "qpv-lieu-action", "qpv", "siret-qpv", "pvd", "acv", "tags"):
        assert f'value="{code}"' in page


def test_ademe_upload_imports_and_reports(client, engine):
    html = _report(client, _send(client, "ademe", SOURCES / "ademe.csv"))
    assert "Import terminé" in html or "importé" in html
    assert "ademe.csv" in html
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM ligne WHERE source = 'ADEME'").scalar_one() == 3
    # The history names the kind of file in French, not by its code (« ademe »).
    history = client.get("/televersement").text.split("Historique des imports")[1]
    assert "<td>Aides de l&#39;ADEME</td>" in history and "<td>ademe</td>" not in history


def test_refused_upload_shows_errors_and_writes_nothing(client, engine, tmp_path):
    bad = tmp_path / "acv.csv"
    bad.write_text(
        '"insee_com","lib_com","id_acv","lib_acv","date_signature"\n"06069","Grasse","acv-098","Grasse",2018/09/14\n'
    )
    html = _report(client, _send(client, "acv", bad))
    assert "date_signature" in html and "2018/09/14" in html
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM commune_dispositif").scalar_one() == 0


def test_missing_kind_or_file_is_a_french_400(client):
    page = client.get("/televersement")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = client.post("/televersement/sources", data={csrf.FIELD: token, "source": ""})
    assert response.status_code == 400
    assert "Choisissez le type de fichier." in response.text and "Choisissez le fichier" in response.text


def test_the_other_sources_are_for_administrators():
    # They reach beyond a région (every région's aid of a year, the QPV split of any EJ, referentials).
    comptable = Identity("c@x.fr", "53", "COMPTABLE")
    assert televersement._sources_of(comptable) == []
    assert televersement._sources_of(Identity("a@x.fr", None, "ADMIN")) == list(KINDS)
    assert televersement._sources_of(Identity("u@x.fr", "53", "USERS")) == []


def _marches(engine) -> int:
    with engine.connect() as conn:
        return conn.exec_driver_sql("SELECT COUNT(*) FROM marche").scalar_one()


def test_decp_upload_is_strict_unless_asked_to_keep_the_valid_marches(client, engine):
    """DECP (issue 13 §2): by default a file with an invalid marché is refused whole; with « Importer
    les marchés valides et écarter les autres » the valid ones are written and the report lists the
    rejected ones (record, id, field, code, message), downloadable as CSV and JSON."""
    decp = TEST_DATA / "decp" / "regles-invalides.json"
    page = client.get("/televersement").text
    assert 'name="decp_mode" value="strict" checked' in page
    assert "Importer les marchés valides et écarter les autres" in page
    strict = _send(client, "decp", decp)
    refused = _report(client, strict)
    assert "Import refusé" in refused and "Importer les marchés valides et écarter les autres" in refused
    assert _marches(engine) == 0
    response = _send(client, "decp", decp, decp_mode="garder")
    job = response.headers["location"]
    html = _report(client, response)
    assert "7 marché(s) importé(s), 13 écarté(s)" in html, html
    assert _marches(engine) == 7
    table = html.split('id="marches-ecartes-titre"')[1]
    # the 2nd record misses its objet: its row says so, with its id and the French message
    assert re.search(r'<td class="montant">2</td>\s*<td class="marches-ecartes__id"><code>[^<]+</code></td>\s*'
                     r'<td class="marches-ecartes__champ"><code>objet</code></td>\s*<td><code>decp-invalide</code>', table)  # fmt: skip
    assert "Enregistrement invalide, champ « objet »" in table
    assert f'href="{job}/marches-ecartes.csv"' in table and f'href="{job}/marches-ecartes.json"' in table
    csv_text = client.get(job + "/marches-ecartes.csv")
    assert csv_text.headers["content-type"].startswith("text/csv")
    lines = csv_text.text.lstrip("\ufeff").splitlines()
    assert lines[0] == "index;id;champ;code;message"
    assert any(line.startswith("2;") and ";objet;decp-invalide;" in line for line in lines[1:])
    as_json = client.get(job + "/marches-ecartes.json").json()
    assert as_json["marches_ecartes"] == 13
    assert {c["id"] for c in as_json["constats"]} and len({c["id"] for c in as_json["constats"]}) == 13
    assert len(lines) - 1 == len(as_json["constats"])
    # the strict job kept nothing aside: nothing to download
    assert client.get(strict.headers["location"] + "/marches-ecartes.csv").status_code == 404


def test_decp_mode_applies_to_decp_files_only(client, engine):
    html = _report(client, _send(client, "acv", SOURCES / "acv.csv", decp_mode="garder"))
    assert "Import réussi" in html and "marché" not in html
