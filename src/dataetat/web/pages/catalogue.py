"""The catalogue of what the instance holds, anonymous: `/catalogue` answers the « Catalogue » page
(DSFR: each jeu with its freshness badge, links to the search pre-filtered on it, to its open files
and to the schemas) or DCAT-AP by content negotiation (Turtle, RDF/XML, JSON-LD; JSON-LD for
`*/*`, as udata does); `/catalogue.ttl|.rdf|.jsonld?page=&page_size=` name the format."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.engine import Connection

from dataetat.catalog import dcat, tableschema
from dataetat.query import catalogue
from dataetat.query.params import QueryError
from dataetat.web.deps import Db, OptionalIdentity
from dataetat.web.errors import NotFound
from dataetat.web.pages.templating import templates

router = APIRouter(tags=["Catalogue (DCAT-AP)"])
MEDIA = {
    "text/html": "html",
    "text/turtle": "ttl",
    "application/x-turtle": "ttl",
    "application/rdf+xml": "rdf",
    "application/xml": "rdf",
    "text/xml": "rdf",
    "application/ld+json": "jsonld",
    "application/json": "jsonld",
    "*/*": "jsonld",
}
PageSize = Annotated[int, Query(ge=1, le=1000)]


def negotiate(accept: str | None) -> str:
    """html, ttl, rdf or jsonld: the supported type the Accept header prefers, the first one named on
    a tie (JSON-LD by default)."""
    best, best_q = "jsonld", 0.0
    for item in (accept or "*/*").split(","):
        media, *options = (part.strip() for part in item.split(";"))
        q = 1.0
        for option in options:
            if option.startswith("q="):
                try:
                    q = float(option[2:])
                except ValueError:
                    q = 0.0
        if media in MEDIA and q > best_q:
            best, best_q = MEDIA[media], q
    return best


def _base(request: Request) -> str:
    return request.app.state.settings.url_publique.rstrip("/") or str(request.base_url).rstrip("/")


def _read(conn: Connection) -> list[catalogue.Jeu]:
    return catalogue.jeux(conn)


async def _rdf(request: Request, db: Db, fmt: str, page: int, page_size: int) -> Response:
    jeux = await db.read(_read)
    last = max(1, -(-len(jeux) // page_size))
    if page > last:
        raise NotFound(
            "page-introuvable", f"Le catalogue a {last} page(s) de {page_size} jeux : pas de page {page}."
        )
    modified = max((j.dernier_import for j in jeux if j.dernier_import), default=None)
    settings = request.app.state.settings
    created = min((j.premier_import for j in jeux if j.premier_import), default=None)
    ctx = dcat.Contexte(_base(request), settings.catalogue_editeur, modified, created)
    graph = dcat.catalogue_graph(jeux, ctx, fmt, page, page_size)
    return Response(dcat.serialize(graph, fmt), media_type=dcat.FORMATS[fmt][1], headers={"Vary": "Accept"})


@router.get("/catalogue.{fmt}")
async def catalogue_rdf(fmt: str, request: Request, db: Db, page: Annotated[int, Query(ge=1, le=100_000)] = 1,
                        page_size: PageSize = dcat.DEFAULT_PAGE_SIZE):  # fmt: skip
    """The DCAT-AP catalogue in Turtle (`ttl`), RDF/XML (`rdf`) or JSON-LD (`jsonld`), paged
    (`hydra:PartialCollectionView`, `hydra:next`)."""
    if fmt not in dcat.FORMATS:
        raise QueryError(f"Format « {fmt[:10]} » inconnu : formats possibles {', '.join(dcat.FORMATS)}.")
    return await _rdf(request, db, fmt, page, page_size)


@router.get("/catalogue", response_class=HTMLResponse)
async def page_catalogue(request: Request, _me: OptionalIdentity, db: Db,
                         page: Annotated[int, Query(ge=1, le=100_000)] = 1,
                         page_size: PageSize = dcat.DEFAULT_PAGE_SIZE):  # fmt: skip
    """The « Catalogue » page, or DCAT-AP when the Accept header asks for RDF."""
    fmt = negotiate(request.headers.get("accept"))
    if fmt != "html":
        return await _rdf(request, db, fmt, page, page_size)
    jeux = await db.read(_read)
    settings = request.app.state.settings
    now = datetime.now()
    context = {
        "page_active": "/catalogue",
        "jeux": jeux,
        "fraicheur": settings.catalogue_fraicheur_jours,
        "age": lambda j: j.age_jours(now),
        "query": urlencode,
        "schemas": [(n, tableschema.schema(n).get("title")) for n in tableschema.names()],
        "formats": [("ttl", "Turtle"), ("rdf", "RDF/XML"), ("jsonld", "JSON-LD")],
    }
    response = templates.TemplateResponse(request, "catalogue.html", context)
    response.headers["Vary"] = "Accept"
    return response
