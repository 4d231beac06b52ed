"""Schemathesis against the app's own OpenAPI: no generated request makes the server fail (no 5xx)."""

import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings

from dataetat.web.app import create_app


def test_no_server_error_on_generated_requests(settings, engine):
    app = create_app(settings)
    app.state.engine = engine  # schemathesis' client does not run the lifespan
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    # The search routes declare the query contract, so the generated requests reach every filter.
    lignes = app.openapi()["paths"]["/api/v1/lignes"]["get"]
    declared = {p["name"] for p in lignes["parameters"]}
    assert {"code_programme", "annee", "annee_min", "tags", "page", "page_size", "niveau_geo"} <= declared
    assert {"400", "401"} <= set(lignes["responses"])

    for operation in operations:

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=15, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def no_server_error(case):
            response = case.call()
            assert response.status_code < 500, (case.method, case.formatted_path, response.text[:300])

        no_server_error()
