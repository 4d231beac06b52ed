"""A real OpenID provider (npm oidc-provider, tests/oidc/provider.mjs) on loopback, started once per
test session (fixture `oidc_provider`, imported by the tests that use it); its npm packages are installed here by `npm ci` when missing or older than the lock.
Without Node.js the OpenID Connect tests are skipped, except on CI where they fail."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
CLIENT_ID = "dataetat"
REDIRECT_URI = "http://testserver/connexion/oidc/retour"


@dataclass(frozen=True)
class Provider:
    issuer: str
    client_id: str
    client_secret: str


def _unavailable(why: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(why)
    pytest.skip(why)


def _install() -> None:
    marker = HERE / "node_modules" / ".package-lock.json"
    lock = HERE / "package-lock.json"
    if marker.exists() and marker.stat().st_mtime >= lock.stat().st_mtime:
        return
    done = subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=HERE,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        _unavailable(f"npm ci dans tests/oidc a échoué : {done.stderr[-2000:]}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[Provider]:
    if shutil.which("node") is None or shutil.which("npm") is None:
        _unavailable("Node.js et npm sont requis pour le fournisseur OpenID de test (tests/oidc).")
    _install()
    port = _free_port()
    secret = secrets.token_urlsafe(24)
    env = {
        **os.environ,
        "PORT": str(port),
        "CLIENT_ID": CLIENT_ID,
        "CLIENT_SECRET": secret,
        "REDIRECT_URI": REDIRECT_URI,
    }
    process = subprocess.Popen(
        ["node", str(HERE / "provider.mjs")],
        cwd=HERE,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        line = ""
        while time.monotonic() < deadline:
            line = process.stdout.readline() if process.stdout else ""
            if line.startswith("pret ") or (not line and process.poll() is not None):
                break
        if not line.startswith("pret "):
            pytest.fail(f"Le fournisseur OpenID de test n'a pas démarré : {line}")
        # Drain its output (warnings, notices) so that a full pipe never blocks it.
        threading.Thread(target=process.stdout.read, daemon=True).start()
        yield Provider(line.split()[1], CLIENT_ID, secret)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
