"""Simultaneous logins to one account all succeed (issue 15 item 6: on DuckDB, 10 at once gave 9 × 500,
« Conflict on update » on `compte.derniere_connexion`), and the last login is recorded."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient

from dataetat.auth import passwords
from dataetat.store import comptes
from dataetat.web import csrf
from dataetat.web.app import create_app

PASSWORD = "correct horse battery staple"
EMAIL = "agent.53@exemple.gouv.fr"


def test_ten_simultaneous_logins_to_one_account(settings, engine):
    with engine.begin() as conn:
        comptes.create(conn, EMAIL, "USERS", "53", passwords.hash_password(PASSWORD))
    app = create_app(settings.model_copy(update={"auth_developpement": False}))
    with TestClient(app) as client:
        tokens = []
        for _ in range(10):  # each browser its own CSRF cookie and token
            page = client.get("/connexion")
            tokens.append(
                (page.cookies.get(csrf.COOKIE), re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1])
            )
        start = threading.Barrier(10)

        def log_in(i: int) -> int:
            cookie, token = tokens[i]
            start.wait()
            return client.post(
                "/connexion",
                data={csrf.FIELD: token, "email": EMAIL, "mot_de_passe": PASSWORD, "suite": ""},
                cookies={csrf.COOKIE: cookie},
                follow_redirects=False,
            ).status_code

        with ThreadPoolExecutor(10) as pool:
            statuses = list(pool.map(log_in, range(10)))
    assert statuses == [303] * 10
    with engine.connect() as conn:
        assert comptes.by_email(conn, EMAIL).derniere_connexion is not None
