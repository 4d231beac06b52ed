"""The Table Schemas served under /schemas: each one valid (frictionless), and each export checked
against its schema — the lines export (French-Excel CSV) here, the open aggregates' CSV in
test_ouvert_web.py. Both databases."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from frictionless import Dialect, Resource, Schema, formats
from tests.conftest import TEST_SECRET, imported_database
from tests.ouvert_donnees import fill

from dataetat.catalog import tableschema
from dataetat.settings import Settings
from dataetat.web.app import create_app


@pytest.fixture(scope="module", params=["duckdb", "postgresql"])
def api(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"schemas-{request.param}")
    with imported_database(request.param, tmp, lambda e, _: fill(e)) as engine:
        url = engine.url.render_as_string(hide_password=False)
        settings = Settings(database_url=url, secret_key=TEST_SECRET, auth_developpement=True)
        with TestClient(create_app(settings)) as client:
            yield client


@pytest.mark.parametrize("name", tableschema.names())
def test_every_served_schema_is_a_valid_table_schema(api, name):
    answer = api.get(f"/schemas/{name}.json")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/schema+json")
    report = Schema.validate_descriptor(answer.json())
    assert report.valid, report.flatten(["type", "note"])
    assert {s["nom"] for s in api.get("/schemas").json()["schemas"]} == set(tableschema.names())


def test_lines_export_is_valid_against_its_schema(api, tmp_path):
    answer = api.get("/api/v1/exports/lignes.csv")
    assert answer.status_code == 200
    path = tmp_path / "lignes.csv"
    path.write_bytes(answer.content)
    resource = Resource(
        path=path.name,
        basepath=str(tmp_path),
        encoding="utf-8-sig",
        dialect=Dialect(controls=[formats.CsvControl(delimiter=";")]),
        schema=Schema.from_descriptor(api.get("/schemas/lignes.json").json()),
    )
    report = resource.validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
    assert answer.text.count("\n") == 1 + 31  # the 31 lines of tests/ouvert_donnees.py
