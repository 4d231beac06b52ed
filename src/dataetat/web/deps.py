"""Typed dependencies of the routes: who is asking (the single region-scoping point) and how to
run a query off the event loop on the app's engine.

    @router.get("/x")
    async def x(me: CurrentIdentity, db: Db) -> dict:
        return await db.read(some_query, me.region)
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import anyio
import sqlalchemy as sa
from fastapi import Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.engine import Connection, Engine

from dataetat.auth import sessions
from dataetat.auth.sessions import Authentication
from dataetat.query.params import merged_query
from dataetat.store import comptes
from dataetat.store.comptes import Compte
from dataetat.store.engine import data_write, write_retrying
from dataetat.store.replicas import Replicas, current_lsn
from dataetat.web import lecture, oidc
from dataetat.web.errors import Forbidden, NotAuthenticated

T = TypeVar("T")

DEVELOPMENT_USER = "developpement"
ROLE_RANK = {"USERS": 1, "COMPTABLE": 2, "ADMIN": 3}  # each role may do what the roles below may


@dataclass(frozen=True)
class Identity:
    """Who is asking: a user name (the account's e-mail, lower case: owner of jobs, saved searches), a
    région (None: national, sees everything) and a role (USERS read, COMPTABLE also imports, ADMIN also
    administers)."""

    user: str
    region: str | None
    role: str = "ADMIN"


def _account(engine: Engine, compte_id: int) -> Compte | None:
    with engine.connect() as conn:
        return comptes.by_id(conn, compte_id)


async def identity(request: Request, response: Response) -> Identity:
    """THE place where the identity, hence the région scope, is decided for every route: the account
    of the session cookie (refused when absent, expired, disabled or changed since the login:
    `NotAuthenticated`, a redirection to /connexion for pages, a 401 for the API), or the development
    identity when `auth_developpement` is on. The identity is kept on `request.state.identite` for
    the page header."""
    auth: Authentication = request.app.state.auth
    if auth.development:
        settings = request.app.state.settings
        me = Identity(DEVELOPMENT_USER, settings.region_developpement or None, "ADMIN")
    elif request.url.path.startswith("/api/") and (token := oidc.bearer_token(request)) is not None:
        user = await run_in_threadpool(oidc.user_from_bearer, request, token)  # 401 when refused
        me = Identity(user.email, user.region, user.role)
    else:
        session = auth.decode(request.cookies.get(sessions.COOKIE))
        if session is None:
            raise NotAuthenticated()
        account = await run_in_threadpool(_account, request.app.state.engine, session.compte_id)
        if account is None or not account.actif or account.version != session.version:
            raise NotAuthenticated()
        me = Identity(account.email, account.region, account.role)
        if auth.needs_refresh(session):  # sliding inactivity timeout
            secure = request.url.scheme == "https"
            response.set_cookie(
                sessions.COOKIE, auth.encode(account.id, account.version), **sessions.cookie_options(secure)
            )
    request.state.identite = me
    return me


class RequireRole:
    """A dependency refusing (French 403) an identity below `role`: `Depends(RequireRole("COMPTABLE"))`."""

    def __init__(self, role: str) -> None:
        self.role = role

    async def __call__(self, me: Annotated[Identity, Depends(identity)]) -> Identity:
        if ROLE_RANK.get(me.role, 0) < ROLE_RANK[self.role]:
            raise Forbidden(ROLE_REFUSALS[self.role])
        return me


ROLE_REFUSALS = {
    "USERS": "Votre compte ne permet pas de consulter les données.",
    "COMPTABLE": "Charger des données est réservé aux comptes « comptable » et « administrateur ».",
    "ADMIN": "Cette action est réservée aux administrateurs.",
}


@dataclass(frozen=True)
class Database:
    """The routes' database: writes on the primary (`engine`); reads on the primary too, or — for the
    `Lecture` routes (searches, groupings, pivots, maps, direct exports) — on a read replica that has
    replayed the user's last write (`replicas`, `min_lsn`; web/lecture.py), else the primary."""

    engine: Engine
    request: Request | None = None
    replicas: Replicas | None = None
    min_lsn: str | None = None

    def _read(self, fn: Callable[..., T], *args: Any) -> T:
        if self.replicas is not None and (got := self.replicas.connect(self.min_lsn)) is not None:
            index, conn = got
            try:
                with conn:
                    return fn(conn, *args)
            except sa.exc.OperationalError:  # the replica went away or cancelled the query: the primary
                self.replicas.failed(index)
        with self.engine.connect() as conn:
            return fn(conn, *args)

    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(conn, *args)` in a worker thread on a connection (no transaction kept)."""
        return await run_in_threadpool(self._read, fn, *args)

    def _noted(self, result: T) -> T:
        """After a write on the primary: the user's next reads on a replica wait for it."""
        if self.request is not None and getattr(self.request.app.state, "replicas", None) is not None:
            with self.engine.connect() as conn:
                lecture.note(self.request, current_lsn(conn))
        return result

    def note_job(self, job: Any) -> None:
        """The user sees a job that wrote (an import): their next reads must see what it wrote."""
        if job is not None and job.resultat:
            lecture.note(self.request, job.resultat.get("lsn"))

    async def write(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(conn, *args)` in a worker thread in one transaction, committed when it returns."""

        def work() -> T:
            with self.engine.begin() as conn:
                result = fn(conn, *args)
            return self._noted(result)

        return await run_in_threadpool(work)

    async def write_data(self, fn: Callable[..., T], *args: Any) -> T:
        """`write` for a change of the data (cancelling an import, a referential, the tags
        re-applied): after the import being written, if any, on DuckDB (store/engine.py:
        data_write); beyond `connexions_attente_s` of waiting, `DataBusy` (a French 503)."""
        settings = getattr(self.request.app.state, "settings", None) if self.request is not None else None
        wait = settings.connexions_attente_s if settings is not None else None

        def work() -> T:
            with data_write(self.engine, wait) as conn:
                result = fn(conn, *args)
            return self._noted(result)

        return await run_in_threadpool(work)

    async def write_retrying(self, fn: Callable[..., T], *args: Any) -> T:
        """`write`, run again when DuckDB refuses it for a conflict with a concurrent write of the
        same row (store/engine.py: write_retrying); `fn` must only act on the database."""
        return self._noted(await run_in_threadpool(write_retrying, self.engine, fn, *args))

    async def stream(self, fn: Callable[..., Iterator[T]], *args: Any) -> AsyncIterator[T]:
        """Iterate the generator `fn(conn, *args)` off the event loop. The generator owns one
        connection for its whole life — taken at its first step (a replica's for `Lecture`), given
        back at its end, at its failure or when the client goes away — and its steps run one at a
        time in worker threads (a connection is never used by two threads at once, whichever thread
        resumes it)."""

        def owned() -> Iterator[T]:
            got = self.replicas.connect(self.min_lsn) if self.replicas is not None else None
            with got[1] if got is not None else self.engine.connect() as conn:
                yield from fn(conn, *args)

        iterator = owned()
        done = object()
        try:
            while (item := await run_in_threadpool(next, iterator, done)) is not done:
                yield item  # type: ignore[misc]
        finally:  # also when cancelled (client gone): close the generator, hence its connection
            with anyio.CancelScope(shield=True):
                await run_in_threadpool(iterator.close)


def database(request: Request) -> Database:
    return Database(request.app.state.engine, request)


def read_database(request: Request) -> Database:
    """`database`, reading from a replica when there are (DATAETAT_DATABASE_REPLICA_URLS)."""
    replicas = getattr(request.app.state, "replicas", None)
    if replicas is None:
        return database(request)
    return Database(request.app.state.engine, request, replicas, lecture.min_lsn(request))


CurrentIdentity = Annotated[Identity, Depends(identity)]


async def optional_identity(request: Request, response: Response) -> Identity | None:
    """The identity of the session when there is one, else None — for the public pages (/aide, the
    404 page), whose header then shows the account and « Se déconnecter », not « Se connecter »."""
    if getattr(request.state, "identite", None) is not None:
        return request.state.identite
    try:
        return await identity(request, response)
    except NotAuthenticated:
        return None


OptionalIdentity = Annotated[Identity | None, Depends(optional_identity)]
Comptable = Annotated[Identity, Depends(RequireRole("COMPTABLE"))]  # may import financial files
Admin = Annotated[Identity, Depends(RequireRole("ADMIN"))]  # may load referentials, manage accounts
Db = Annotated[Database, Depends(database)]
Lecture = Annotated[Database, Depends(read_database)]  # searches, groupings, pivots, maps, exports
__all__ = [
    "Admin",
    "Comptable",
    "Connection",
    "CurrentIdentity",
    "Database",
    "Db",
    "Identity",
    "Lecture",
    "RequireRole",
    "identity",
]


def search_query(request: Request) -> dict[str, str]:
    """The query string, one value per name (repeated lists joined, repeated single values refused)."""
    return merged_query(request.query_params.multi_items())


SearchQuery = Annotated[dict[str, str], Depends(search_query)]
