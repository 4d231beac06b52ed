"""Typed dependencies of the routes: who is asking (the single region-scoping point) and how to
run a query off the event loop on the app's engine.

    @router.get("/x")
    async def x(me: CurrentIdentity, db: Db) -> dict:
        return await db.read(some_query, me.region)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.engine import Connection, Engine

from dataetat.query.params import merged_query

T = TypeVar("T")

DEVELOPMENT_USER = "developpement"


@dataclass(frozen=True)
class Identity:
    """Who is asking: a user name (owner of jobs, saved searches), a région (None: national, sees
    everything) and a role (USERS read, COMPTABLE also imports, ADMIN also administers)."""

    user: str
    region: str | None
    role: str = "ADMIN"


def identity(request: Request) -> Identity:
    """THE place where the identity, hence the région scope, is decided for every route.
    Until accounts exist it comes from the development setting; authentication plugs in here."""
    settings = request.app.state.settings
    return Identity(DEVELOPMENT_USER, settings.region_developpement or None)


@dataclass(frozen=True)
class Database:
    engine: Engine

    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(conn, *args)` in a worker thread on a connection (no transaction kept)."""

        def work() -> T:
            with self.engine.connect() as conn:
                return fn(conn, *args)

        return await run_in_threadpool(work)

    async def write(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(conn, *args)` in a worker thread in one transaction, committed when it returns."""

        def work() -> T:
            with self.engine.begin() as conn:
                return fn(conn, *args)

        return await run_in_threadpool(work)


def database(request: Request) -> Database:
    return Database(request.app.state.engine)


CurrentIdentity = Annotated[Identity, Depends(identity)]
Db = Annotated[Database, Depends(database)]
__all__ = ["Connection", "CurrentIdentity", "Database", "Db", "Identity", "identity"]


def search_query(request: Request) -> dict[str, str]:
    """The query string, one value per name (repeated lists joined, repeated single values refused)."""
    return merged_query(request.query_params.multi_items())


SearchQuery = Annotated[dict[str, str], Depends(search_query)]
