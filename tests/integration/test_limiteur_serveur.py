"""Through a real `dataetat serve`: a client cannot escape the login limiter by rotating its own
X-Forwarded-For; the header is believed only from the proxies of DATAETAT_PROXYS_DE_CONFIANCE."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

from dataetat.auth import passwords
from dataetat.settings import Settings
from dataetat.store import comptes, database
from dataetat.store.engine import make_engine
from dataetat.web import csrf

EMAIL, PASSWORD = "agent.53@exemple.gouv.fr", "correct horse battery staple"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _server(url: str, **settings: str):
    port = _free_port()
    env = (
        os.environ
        | {"DATAETAT_DATABASE_URL": url}
        | {f"DATAETAT_{k.upper()}": v for k, v in settings.items()}
    )
    cli = Path(sys.executable).with_name("dataetat")
    server = subprocess.Popen(
        [str(cli), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/connexion", timeout=1)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "le serveur ne répond pas"
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)


def _attempts(base: str, passwords_: list[str]) -> list[int]:
    """One login per password, each from a new X-Forwarded-For address."""
    statuses = []
    with httpx.Client(base_url=base) as client:
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/connexion").text).group(1)
        for i, password in enumerate(passwords_):
            response = client.post(
                "/connexion",
                data={csrf.FIELD: token, "email": EMAIL, "mot_de_passe": password, "suite": ""},
                headers={"X-Forwarded-For": f"203.0.113.{i + 1}"},
            )
            statuses.append(response.status_code)
    return statuses


def test_a_rotating_forwarded_address_does_not_escape_the_limiter(tmp_path):
    url = f"duckdb:///{tmp_path / 'limiteur.duckdb'}"
    engine = make_engine(Settings(database_url=url))
    database.init(engine)
    with engine.begin() as conn:
        comptes.create(conn, EMAIL, "USERS", "53", passwords.hash_password(PASSWORD))
    engine.dispose()
    guesses = ["mauvais"] * 5 + [PASSWORD]
    with _server(url, secret_key="s" * 48) as base:
        assert _attempts(base, guesses) == [400] * 5 + [429]  # every address is 127.0.0.1's
    with _server(url, secret_key="s" * 48, proxys_de_confiance="127.0.0.1") as base:
        # behind a trusted proxy, each forwarded address is its own: the owner's new address goes on
        assert _attempts(base, guesses) == [400] * 5 + [303]
