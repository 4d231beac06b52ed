"""Where uploads and exports live: a folder on this machine, or an S3-compatible object store
(MinIO, Garage, Ceph, a sovereign cloud's S3) shared by every app server and worker.

    espaces = stockage.espaces(settings)      # Espaces(exports=Store, televersements=Store)
    espaces.exports.put("export-12.xlsx", scratch_file)     # whole or not at all
    for chunk in espaces.exports.iter("export-12.xlsx"): ...  # streamed read
    with espaces.televersements.materialise(cle) as path: ...  # a local file (a copy for S3)
    espaces.exports.reachable()               # the readiness probe

`DATAETAT_STOCKAGE_URL=s3://bucket/prefix` selects S3 (keys under `prefix/exports/` and
`prefix/televersements/`), else the folders `dossier_exports` and `dossier_televersements`.
No database and nothing of the web here: jobs and pages both use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dataetat.stockage.base import Entree, Introuvable, Store
from dataetat.stockage.local import LocalStore

__all__ = ["Entree", "Espaces", "Introuvable", "LocalStore", "Store", "espaces", "espaces_of"]


@dataclass(frozen=True)
class Espaces:
    """The two areas the application writes files to."""

    exports: Store
    televersements: Store

    def reachable(self) -> bool:
        """Both stores answer (the readiness probe `/sante/pret`); never raises."""
        return self.exports.reachable() and self.televersements.reachable()


def espaces(settings) -> Espaces:
    """The stores of these settings: S3 when `stockage_url` is `s3://…`, the local folders otherwise."""
    url = (settings.stockage_url or "").strip()
    if not url:
        return Espaces(LocalStore(settings.dossier_exports), LocalStore(settings.dossier_televersements))
    from dataetat.stockage.s3 import S3Store, client_of, parse_url

    bucket, prefix = parse_url(url)
    client = client_of(settings)
    return Espaces(
        S3Store(client, bucket, f"{prefix}exports/"),
        S3Store(client, bucket, f"{prefix}televersements/"),
    )


def espaces_of(where: Path | Espaces) -> Espaces:
    """A worker is given either the stores, or (tests, older callers) the exports folder: the
    uploads are then where their jobs say (absolute paths of the local folder)."""
    if isinstance(where, Espaces):
        return where
    return Espaces(LocalStore(Path(where)), LocalStore(Path(where).parent / "televersements"))
