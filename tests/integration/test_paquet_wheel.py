"""The wheel is a complete application (issue 16 §1): built from the tree, installed in a fresh venv in
a temporary folder outside the repository, `dataetat db init`, `dataetat demo` and `dataetat serve` work
there and serve the pages with their front-end files (static/vendor/, built by npm into the wheel).

The fresh venv takes the wheel only (`--no-deps --no-index`); its dependencies are those of the test's
own venv, reached through a .pth line (a plain path: the tree's editable install is not activated, the
venv's own `dataetat` is the wheel's — checked), so the test downloads nothing. A wheel whose front-end
files are missing and cannot be built (no npm) is refused with a French message."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import zipfile
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "dataetat"


def _build_wheel(source: Path, out: Path, path_env: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    if path_env is not None:
        env["PATH"] = path_env
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(out),
            str(source),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    if not (PACKAGE / "web" / "static" / "vendor" / "versions.json").is_file():
        pytest.fail("Les fichiers front-end manquent : lancez `make install` avant les tests.")
    out = tmp_path_factory.mktemp("dist")
    built = _build_wheel(ROOT, out)
    assert built.returncode == 0, built.stdout + built.stderr
    shutil.rmtree(ROOT / "build", ignore_errors=True)  # setuptools' in-tree build folder
    (found,) = out.glob("dataetat-*.whl")
    return found


def test_the_wheel_carries_every_file_of_the_package(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        path.relative_to(PACKAGE.parent).as_posix()
        for path in PACKAGE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }
    missing = sorted(expected - names)
    assert not missing, missing[:20]
    assert "dataetat/web/static/vendor/dsfr/dsfr.min.css" in names
    assert "dataetat/web/static/vendor/htmx/htmx.min.js" in names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A venv in a temporary folder with the wheel installed; the environment to run it outside the
    tree (its own working folder, a DuckDB file there)."""
    home = tmp_path_factory.mktemp("ailleurs")
    assert ROOT not in home.parents
    venv = home / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # The dependencies: the test's venv, after the fresh venv's own site-packages.
    (Path(site) / "dependances-du-test.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    install = subprocess.run(
        [
            python,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-index",
            "--disable-pip-version-check",
            str(wheel),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATAETAT_", "PYTHON", "VIRTUAL_ENV")) and k != "PYTEST_CURRENT_TEST"
    }
    env |= {
        "DATAETAT_DATABASE_URL": f"duckdb:///{home / 'var' / 'dataetat.duckdb'}",
        "DATAETAT_PLANNING": "",  # no nightly job calling outside services while the test serves
        "HOME": str(home),
    }
    return venv, env


def test_the_installed_package_is_the_wheel_not_the_tree(installed):
    venv, env = installed
    where = subprocess.run(
        [venv / "bin" / "python", "-c", "import dataetat; print(dataetat.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=venv.parent,
    ).stdout.strip()
    assert Path(where).is_relative_to(venv), where


def test_db_init_demo_and_serve_outside_the_tree(installed):
    venv, env = installed
    home, dataetat = venv.parent, str(venv / "bin" / "dataetat")
    run = {"capture_output": True, "text": True, "env": env, "cwd": home, "timeout": 300}
    init = subprocess.run([dataetat, "db", "init"], **run)
    assert init.returncode == 0, init.stdout + init.stderr
    assert "Base prête" in init.stdout
    demo = subprocess.run([dataetat, "demo", "--lignes", "400", "--no-serve", "--out", "demo-data"], **run)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    account = next(line.split() for line in demo.stdout.splitlines() if "agent.53@" in line)
    email, password = account[0], account[account.index("passe") + 2]

    port = _free_port()
    server = subprocess.Popen(
        [dataetat, "serve", "--port", str(port)],
        env=env | {"DATAETAT_JOURNAUX_JSON": "true"},
        cwd=home,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=5) as client:
            deadline = time.monotonic() + 60
            while True:
                try:
                    page = client.get("/connexion")
                    break
                except httpx.TransportError:
                    assert server.poll() is None, server.stdout.read()
                    assert time.monotonic() < deadline, "le serveur ne répond pas"
                    time.sleep(0.2)
            assert page.status_code == 200 and "Data-État" in page.text
            css = client.get("/static/vendor/dsfr/dsfr.min.css")
            assert css.status_code == 200 and ".fr-btn" in css.text
            assert client.get("/static/vendor/htmx/htmx.min.js").status_code == 200
            # A page with the demo's data, once logged in with a demo account.
            client.get("/connexion")
            token = client.cookies.get("dataetat_csrf")
            login = client.post(
                "/connexion", data={"email": email, "mot_de_passe": password, "csrf_token": token or ""}
            )
            assert login.status_code in (200, 303), login.text[:500]
            search = client.get("/", follow_redirects=True)
            assert search.status_code == 200 and "/connexion" not in str(search.url), search.text[:300]
            assert client.get("/sante/pret").json()["statut"] == "pret"
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert server.returncode is not None
    # DATAETAT_JOURNAUX_JSON: JSON lines, one per request, with the id returned to the client
    logged = [json.loads(line) for line in server.stdout.read().splitlines() if line.startswith("{")]
    requests = {line["requete"]: line for line in logged if line["journal"] == "dataetat.requetes"}
    assert requests[search.headers["x-request-id"]]["route"] == "/"
    assert requests[css.headers["x-request-id"]]["route"] == "/static"


def test_a_wheel_without_front_end_files_and_without_npm_is_refused_in_french(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "frontend", source / "frontend", ignore=shutil.ignore_patterns("node_modules"))
    shutil.copytree(
        PACKAGE,
        source / "src" / "dataetat",
        ignore=shutil.ignore_patterns("__pycache__", "vendor", "vendor.tmp", "geo"),
    )
    # no npm, no node on the PATH (the Python that builds is called by its full path)
    built = _build_wheel(source, tmp_path / "dist", path_env=str(tmp_path / "rien"))
    assert built.returncode != 0
    output = built.stdout + built.stderr
    assert "les fichiers front-end" in output and "npm est introuvable" in output, output[-2000:]
    assert not list(tmp_path.glob("dist/*.whl"))
