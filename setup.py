"""Packaging: the wheel carries the built front-end files (static/vendor/: DSFR, htmx, MapLibre, ECharts,
Swagger UI), so that `pip install dataetat-*.whl` gives an application that starts anywhere.

Everything else is in pyproject.toml; this file only adds the front-end step to setuptools' `build_py`
and `sdist`: when static/vendor/ is missing or older than frontend/package-lock.json or
frontend/build.mjs, run `npm ci` and `node frontend/build.mjs` (as `make install` does); when npm is
missing, stop with a French message. An editable install (`pip install -e .`, `make install`) skips
the step: the Makefile builds the files after it.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

ROOT = Path(__file__).resolve().parent
FRONTEND = ROOT / "frontend"
VENDOR = ROOT / "src" / "dataetat" / "web" / "static" / "vendor"
STAMP = VENDOR / "versions.json"


class FrontEndMissing(SystemExit):
    pass


def _up_to_date() -> bool:
    if not STAMP.is_file():
        return False
    sources = [FRONTEND / "package-lock.json", FRONTEND / "build.mjs"]
    return all(not s.is_file() or s.stat().st_mtime <= STAMP.stat().st_mtime for s in sources)


def build_front_end() -> None:
    """Make sure static/vendor/ holds the front-end files the wheel must carry."""
    if _up_to_date():
        return
    if not (FRONTEND / "package-lock.json").is_file():  # an sdist without its vendor files
        raise FrontEndMissing(
            f"Les fichiers front-end manquent ({VENDOR}) et le dossier frontend/ est absent : "
            "construisez le paquet depuis le dépôt (git clone), avec Node.js et npm."
        )
    npm, node = shutil.which("npm"), shutil.which("node")
    if npm is None or node is None:
        raise FrontEndMissing(
            "Construction du paquet impossible : les fichiers front-end (DSFR, htmx, MapLibre, ECharts) "
            f"manquent dans {VENDOR} et {'npm' if npm is None else 'node'} est introuvable. Installez "
            "Node.js et npm (Debian : apt-get install nodejs npm), puis relancez la construction."
        )
    print("Fichiers front-end : npm ci puis node frontend/build.mjs")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=FRONTEND, check=True)
    subprocess.run([node, str(FRONTEND / "build.mjs")], cwd=ROOT, check=True)


class BuildPyWithFrontEnd(build_py):
    def run(self) -> None:
        if not getattr(self, "editable_mode", False):
            build_front_end()
        super().run()


class SdistWithFrontEnd(sdist):
    def run(self) -> None:
        build_front_end()
        super().run()


setup(cmdclass={"build_py": BuildPyWithFrontEnd, "sdist": SdistWithFrontEnd})
