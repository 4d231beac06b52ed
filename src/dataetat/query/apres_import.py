"""What every change of the lines runs in its own transaction, right before commit (the `apres`
hook of the importers, the enrichment, the cancelling of an import, the referentials): the tags
re-applied (query/etiquetage.py), then the published open cells recomputed and stored
(query/ouvert.py `rafraichir`), so that no reader ever sees open figures older than the lines."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from dataetat.query import etiquetage, ouvert
from dataetat.settings import Settings


def apres_import(conn: Connection, settings: Settings | None = None) -> int:
    """Tags re-applied and open cells refreshed; returns the lines tagged (as etiquetage.reapply)."""
    tagged = etiquetage.reapply(conn)
    ouvert.rafraichir(conn, (settings or Settings()).secret_statistique_seuil)
    return tagged
