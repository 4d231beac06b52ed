"""The « Règles d'étiquetage » admin page (/admin/etiquettes) through HTTP, on DuckDB and PostgreSQL:
the seeded rules in plain French with their line counts, add (with preview), edit, disable/enable,
delete after confirmation, re-apply (count and duration), CSRF, French refusals, audit events.
The development identity is an ADMIN; other roles are refused by the authorisation matrix."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from dataetat.store import tag_regles
from dataetat.store.schema import ligne
from dataetat.web import csrf
from dataetat.web.app import create_app


@pytest.fixture
def client(settings, engine):
    with engine.begin() as conn:
        for i, (source, programme) in enumerate((("FINANCIAL_DATA_AE", "380"), ("ADEME", None)), start=1):
            conn.execute(
                ligne.insert().values(
                    id=i,
                    source=source,
                    programme_code=programme,
                    annee=2023,
                    montant_ae=1,
                    montant_cp=0,
                    nombre_cp=0,
                )
            )
    with TestClient(create_app(settings)) as c:
        yield c


def _form(client: TestClient, **data: str) -> dict[str, str]:
    client.get("/admin/etiquettes")
    return data | {csrf.FIELD: client.cookies.get(csrf.COOKIE) or ""}


def _rules(engine) -> dict[str, tag_regles.Regle]:
    with engine.connect() as conn:
        return {r.tag + ("" if r.actif else "!"): r for r in tag_regles.all_rules(conn)}


def test_page_lists_the_rules(client):
    page = client.get("/admin/etiquettes")
    assert page.status_code == 200
    text = page.text
    assert "Règles d&#39;étiquetage" in text or "Règles d'étiquetage" in text
    assert "programme 380 ; source : engagements Chorus (AE)" in text
    assert "rattachées à un contrat de plan État-région (CPER)" in text
    assert 'href="/?source=FINANCIAL_DATA_AE&amp;code_programme=380"' in text
    assert re.search(
        r'data-regle="1".*?<td class="fr-cell--right">1</td>', text, re.S
    )  # programme 380: one line
    assert 'href="/admin/etiquettes" aria-current="page"' in text  # the admin menu's link


def test_add_preview_edit_disable_delete_reapply(client, engine):
    preview = client.post(
        "/admin/etiquettes", data=_form(client, tag="essai", parametres="source=ADEME", action="apercu")
    )
    assert preview.status_code == 200 and "trouve <strong>1</strong> ligne(s)" in preview.text
    assert not any(t.startswith("essai") for t in _rules(engine))

    added = client.post(
        "/admin/etiquettes",
        data=_form(client, tag="essai", parametres="source=ADEME"),
        follow_redirects=False,
    )
    assert added.status_code == 303 and "ok=ajoutee" in added.headers["location"]
    rule = _rules(engine)["essai"]

    edit = client.get(f"/admin/etiquettes?modifier={rule.id}")
    assert f'action="/admin/etiquettes/{rule.id}"' in edit.text and 'value="source=ADEME"' in edit.text
    changed = client.post(
        f"/admin/etiquettes/{rule.id}",
        data=_form(client, tag="essai:2023", parametres="source=ADEME&annee=2023"),
        follow_redirects=False,
    )
    assert changed.status_code == 303
    assert _rules(engine)["essai:2023"].parametres == "source=ADEME&annee=2023"

    done = client.post("/admin/etiquettes/reappliquer", data=_form(client))
    assert done.status_code == 200 and "Règles réappliquées en" in done.text
    with engine.connect() as conn:
        tags = dict(conn.execute(sa.select(ligne.c.id, ligne.c.tags)).all())
    assert tags == {1: "fonds-vert", 2: "essai:2023"}

    off = client.post(f"/admin/etiquettes/{rule.id}/actif", data=_form(client, actif="0"))
    assert off.status_code == 200 and "est désactivée" in off.text
    assert "essai:2023!" in _rules(engine)

    confirm = client.get(f"/admin/etiquettes?supprimer={rule.id}")
    assert "Supprimer la règle « essai:2023 » ?" in confirm.text
    gone = client.post(f"/admin/etiquettes/{rule.id}/suppression", data=_form(client))
    assert gone.status_code == 200 and "est supprimée" in gone.text
    assert not any(t.startswith("essai") for t in _rules(engine))
    with engine.connect() as conn:
        events = (
            conn.exec_driver_sql("SELECT details FROM audit WHERE action = 'etiquetage' ORDER BY id")
            .scalars()
            .all()
        )
    assert [re.search(r'"operation": "(\w+)"', e).group(1) for e in events] == [
        "ajout",
        "modification",
        "reapplication",
        "desactivation",
        "suppression",
    ]


@pytest.mark.parametrize(
    ("tag", "parametres", "message"),
    [
        ("Fonds Vert", "source=ADEME", "Étiquette « Fonds Vert » invalide"),
        ("essai", "source=ADEME&page=2", "Paramètre « page »"),
        ("essai", "couleur=bleu", "Paramètre « couleur » inconnu"),
    ],
)
def test_refusals_in_french(client, engine, tag, parametres, message):
    refused = client.post("/admin/etiquettes", data=_form(client, tag=tag, parametres=parametres))
    assert refused.status_code == 400
    assert message in refused.text.replace("&#34;", '"')
    assert f'value="{parametres.replace("&", "&amp;")}"' in refused.text  # what was typed is kept


def test_csrf_and_unknown_rule(client):
    refused = client.post("/admin/etiquettes", data={"tag": "essai", "parametres": "source=ADEME"})
    assert refused.status_code == 403 and "jeton de sécurité" in refused.text
    missing = client.post("/admin/etiquettes/999999/actif", data=_form(client, actif="0"))
    assert missing.status_code == 404 and "n'existe pas" in missing.text.replace("&#39;", "'")
