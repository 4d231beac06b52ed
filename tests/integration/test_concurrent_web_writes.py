"""Pages that change the data while an import is being written, and writes DuckDB refuses for a
concurrent write of the same row (DuckDB only: PostgreSQL makes the second writer wait for the row).

- re-applying the tags while an import's transaction is open: the page waits for the import's end
  (store/engine.py `data_write`), then re-applies — before, DuckDB refused it (a 500);
- waiting longer than `connexions_attente_s`: a French 503 page asks to try again;
- a write refused for a concurrent one (« Conflict on update »): a French 503 page asking to try
  again, never the 500 « erreur interne »."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from tests.polling import WAIT, until

from dataetat.store import tag_regles
from dataetat.store.engine import data_write, data_writers_waiting
from dataetat.store.schema import ligne
from dataetat.web import csrf
from dataetat.web.app import create_app

pytestmark = pytest.mark.parametrize("settings", ["duckdb"], indirect=True)


def _app(settings, engine, **changes) -> TestClient:
    with engine.begin() as conn:
        conn.execute(
            ligne.insert().values(
                id=1, source="FINANCIAL_DATA_AE", programme_code="380", annee=2023,
                montant_ae=1, montant_cp=0, nombre_cp=0,
            )
        )  # fmt: skip
    return TestClient(create_app(settings.model_copy(update=changes)))


def _form(client: TestClient, **data: str) -> dict[str, str]:
    client.get("/admin/etiquettes")
    return data | {csrf.FIELD: client.cookies.get(csrf.COOKIE) or ""}


def _tags(engine) -> str | None:
    with engine.connect() as conn:
        return conn.execute(sa.select(ligne.c.tags).where(ligne.c.id == 1)).scalar_one()


def test_reapplying_the_tags_waits_for_the_import_being_written(settings, engine):
    with _app(settings, engine) as client:
        form = _form(client)
        answers: list[int] = []
        answered = threading.Event()

        def reapply() -> None:
            try:
                answers.append(client.post("/admin/etiquettes/reappliquer", data=form).status_code)
            finally:
                answered.set()

        asking = threading.Thread(target=reapply)
        with data_write(engine) as conn:  # an import's transaction: it changed line 1's tags
            conn.execute(ligne.update().where(ligne.c.id == 1).values(tags="import"))
            asking.start()
            assert until(lambda: answered.is_set() or data_writers_waiting(engine) > 0)
        asking.join(WAIT)
    assert answers == [200]  # the redirection to the page, followed
    assert _tags(engine) == "fonds-vert"  # re-applied after the import's commit


def test_a_page_waiting_too_long_for_an_import_asks_to_try_again(settings, engine):
    with _app(settings, engine, connexions_attente_s=0.05) as client:
        form = _form(client)
        with data_write(engine) as conn:  # an import being written, longer than the page may wait
            conn.execute(ligne.update().where(ligne.c.id == 1).values(tags="import"))
            refused = client.post("/admin/etiquettes/reappliquer", data=form)
    assert refused.status_code == 503 and refused.headers["content-type"].startswith("text/html")
    assert "Un import (ou une autre mise à jour des données) est en cours" in refused.text
    assert "réessayez dans quelques minutes" in refused.text and "Rien n'a été enregistré" in refused.text
    assert _tags(engine) == "import"  # the import was written, the page changed nothing


def test_a_write_refused_for_a_concurrent_one_asks_to_try_again(settings, engine):
    with engine.begin() as conn:
        rule_id = tag_regles.add(conn, "essai", "source=ADEME", None, "admin@x.fr")
    with _app(settings, engine) as client:
        form = _form(client, tag="essai:2023", parametres="source=ADEME&annee=2023")
        with engine.begin() as other:  # another administrator's change of the rule, not committed
            other.execute(sa.text("UPDATE tag_regle SET description = 'autre' WHERE id = :i"), {"i": rule_id})
            refused = client.post(f"/admin/etiquettes/{rule_id}", data=form)
    assert refused.status_code == 503 and "Erreur interne" not in refused.text
    assert "Une autre écriture dans la base a eu lieu au même moment que la vôtre" in refused.text
    assert "réessayez dans un instant" in refused.text and "Rien n'a été enregistré" in refused.text
    with engine.connect() as conn:
        assert tag_regles.by_id(conn, rule_id).tag == "essai"
