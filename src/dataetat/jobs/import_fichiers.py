"""The files of an import job in the uploads store: what the upload saved (`Envoi`), a local copy
for the importer, the check that a confirmed file is the one checked, and their removal once the
import is over (or never will be: jobs/execution.py).

    with local_copy(store, envoi) as path: ...   # the file itself, or a scratch copy of the object
    remove_upload(job, folder)                   # each file's folder, then the upload's when empty
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from dataetat import scratch, stockage
from dataetat.ingest.empreinte import sha256_of
from dataetat.query.params import QueryError
from dataetat.store.taches import Tache


@dataclass(frozen=True)
class Envoi:
    """One file saved by the upload: where it is, what the user called it, its digest and size."""

    chemin: str  # its key in the uploads store, under a name safe for the disk (web/pages/envoi.safe_name)
    nom: str  # the name the user gave, as shown
    champ: str  # "ae" or "cp": the form field it came from
    sha256: str
    taille: int


@contextmanager
def local_copy(store: stockage.Store, envoi: Envoi) -> Iterator[Path]:
    """The uploaded file as a local file (the file itself, or a scratch copy of the object)."""
    try:
        with store.materialise(envoi.chemin) as path:
            yield path
    except stockage.Introuvable:
        raise QueryError(
            f"Le fichier « {envoi.nom} » n'est plus disponible : chargez-le de nouveau."
        ) from None


@contextmanager
def scratch_folder() -> Iterator[Path]:
    """A scratch folder for the import's own files (rejects), removed afterwards."""
    made = scratch.make("import")
    try:
        yield made
    finally:
        shutil.rmtree(made, ignore_errors=True)


def same_files(envois: list[Envoi], local: list[Path]) -> None:
    """The confirmed files are still there, byte for byte (what was checked is what is imported)."""
    for envoi, path in zip(envois, local, strict=True):
        if not path.is_file() or sha256_of(path) != envoi.sha256:
            raise QueryError(
                f"Le fichier « {envoi.nom} » vérifié n'est plus disponible ou a changé : chargez-le de nouveau."
            )


def parent(key: str) -> str:
    return key.rsplit("/", 1)[0]


def drop_if_empty(store: stockage.Store, dossier: str) -> None:
    """A local upload folder is removed once empty (an object store has no folders)."""
    path = store.local_path(dossier)
    if path is not None and path.is_dir() and not any(path.iterdir()):
        path.rmdir()


def remove_upload(job: Tache, folder: Path | stockage.Espaces | None = None) -> None:
    """Remove the files a job was given (it failed or will never run): each file's folder, then the
    upload's folder when nothing else (a rejects file) is left in it."""
    store = stockage.espaces_of(folder or Path(job.parametres["dossier"])).televersements
    for envoi in job.parametres.get("fichiers", []):
        store.delete_prefix(parent(envoi["chemin"]))
    drop_if_empty(store, job.parametres["dossier"])


def files_kept(job: Tache, store: stockage.Store) -> bool:
    """The files of a finished check are still stored (to confirm, or to try again)."""
    return all(store.exists(e["chemin"]) for e in job.parametres.get("fichiers", []))


def rejects_of(job: Tache, store: stockage.Store) -> str | None:
    """The key of the rejected lines of a finished job, when it kept them."""
    if not job.resultat or not job.resultat.get("rejets"):
        return None
    return store.key(job.parametres["dossier"], job.resultat["rejets"])
