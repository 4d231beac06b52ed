"""/docs: the API's Swagger UI served from the app's own files (npm `swagger-ui-dist`, copied by
frontend/build.mjs), not FastAPI's default page, which loads it from a CDN and starts it with an
inline script that the Content-Security-Policy forbids (web/security.py): here the start-up code is
the module /static/app/documentation_api.js, reading the OpenAPI URL from a data-* attribute."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from dataetat.web.pages.templating import templates

router = APIRouter(include_in_schema=False)


@router.get("/docs", response_class=HTMLResponse)
async def documentation_api(request: Request):
    return templates.TemplateResponse(
        request, "documentation_api.html", {"openapi_url": request.app.openapi_url}
    )
