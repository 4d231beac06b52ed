"""Health probes, public and cheap (no login, nothing of the data):

    GET /sante        200 {"statut": "vivant"}: the process answers (liveness)
    GET /sante/pret   200 {"statut": "pret", "verifications": {...}} when the database answers, its
                      schema is at the head revision of this code's migrations, the store of the
                      files answers (the S3 bucket, or the local folders are writable) and every
                      other check registered in `app.state.verifications_pret` (name → check)
                      passes; otherwise 503 with the French reason of each failure (readiness: a
                      load balancer sends no request to an instance that is not ready).

A check is `fn(app) -> str | None` (None: fine; else a short French reason, without secrets: no URL
nor password), run in a thread with the others under one time limit."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

import anyio
import sqlalchemy as sa
from fastapi import APIRouter, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from dataetat.store import migrate

router = APIRouter(include_in_schema=False)
log = logging.getLogger("dataetat.sante")
DELAI_S = 5.0

Verification = Callable[[FastAPI], str | None]


@router.get("/sante")
async def vivant() -> JSONResponse:
    return JSONResponse({"statut": "vivant"}, headers={"Cache-Control": "no-store"})


def base_joignable(app: FastAPI) -> str | None:
    try:
        with app.state.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means not ready; the detail goes to the log
        log.warning("sonde /sante/pret : base injoignable", exc_info=True)
        return "base de données injoignable"
    return None


def migrations_a_jour(app: FastAPI) -> str | None:
    try:
        current = migrate.current(app.state.engine)
    except Exception:  # noqa: BLE001
        log.warning("sonde /sante/pret : révision du schéma illisible", exc_info=True)
        return "révision du schéma illisible"
    expected = _heads()
    if current not in expected:
        return (
            f"schéma à la révision {current or 'aucune'}, attendu {', '.join(expected)} (dataetat db upgrade)"
        )
    return None


@functools.cache
def _heads() -> tuple[str, ...]:
    return migrate.heads()


def stockage_joignable(app: FastAPI) -> str | None:
    """The object store (S3: one HEAD of the bucket), or the local folders (writable)."""
    if not app.state.stockage.reachable():
        return "stockage des fichiers injoignable"
    return None


def install(app: FastAPI) -> None:
    """The default checks; other subsystems append theirs to `app.state.verifications_pret`."""
    app.state.verifications_pret = {
        "base": base_joignable,
        "migrations": migrations_a_jour,
        "stockage": stockage_joignable,
    }


def _run(app: FastAPI) -> dict[str, str]:
    results: dict[str, str] = {}
    for name, check in app.state.verifications_pret.items():
        if name == "migrations" and results.get("base", "ok") != "ok":
            results[name] = "non vérifié (base injoignable)"
            continue
        results[name] = check(app) or "ok"
    return results


@router.get("/sante/pret")
async def pret(request: Request) -> JSONResponse:
    headers = {"Cache-Control": "no-store"}
    try:
        with anyio.fail_after(DELAI_S):
            results = await run_in_threadpool(_run, request.app)
    except TimeoutError:
        body = {"statut": "indisponible", "verifications": {"delai": f"pas de réponse en {DELAI_S:g} s"}}
        return JSONResponse(body, status_code=503, headers=headers)
    ready = all(v == "ok" for v in results.values())
    body = {"statut": "pret" if ready else "indisponible", "verifications": results}
    return JSONResponse(body, status_code=200 if ready else 503, headers=headers)
