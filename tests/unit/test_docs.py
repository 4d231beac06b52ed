"""Docs stay true: every setting and every import error code is documented."""

from pathlib import Path

from dataetat.ingest.problems import CATALOGUE
from dataetat.settings import Settings

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_every_setting_is_documented():
    text = (DOCS / "settings.md").read_text("utf-8")
    for name in Settings.model_fields:
        assert f"DATAETAT_{name.upper()}" in text, name


def test_every_error_code_is_documented():
    text = (DOCS / "erreurs.md").read_text("utf-8")
    for code in CATALOGUE:
        assert f"`{code}`" in text, code
