"""The « terminer » of a resumable upload, in the background: assemble the chunks, hash the files,
scan them (ClamAV when configured), then queue their import (jobs/imports.py).

    job_id = submit(conn, session)                      # web/pages/envoi_reprenable.py: answers 202
    run(engine, job, espaces, progress, antivirus)      # a worker: {"import": id, "lien": "/televersement/<id>"}

Assembling 2 GB takes minutes (server-side copy on S3, then a full read for the sha256): beyond any
reverse proxy's timeout if done in the request. The job is an ordinary one (lease, retried after
a worker's death): the chunks stay until the import is queued and the session names it, so a
crash mid-assembly leaves the upload whole and the next try assembles again. Queuing the import
and naming it in the session happen in one database transaction: a try that died between the two
is recognised by the next (the import named by the session exists, with this session's folder),
which never queues a second import.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection, Engine

from dataetat.antivirus import Antivirus, AntivirusIndisponible, Infecte
from dataetat.jobs import envois
from dataetat.jobs import imports as import_jobs
from dataetat.jobs.import_fichiers import Envoi
from dataetat.stockage import Espaces, Store
from dataetat.store import taches
from dataetat.store.taches import Tache

TYPE = "assemblage-envoi"


class Refus(Exception):
    """The assembly cannot end in an import: the French message is the job's error."""


def submit(conn: Connection, s: envois.Session) -> int:
    """Queue the assembly of a complete session (its `region`/`annee`: « un import est déjà prévu »)."""
    parametres = {"envoi": s.id, "region": s.region, "annee": s.annee}
    label = "Assemblage et vérification de " + " et ".join(f"« {f.nom} »" for f in s.fichiers)
    total = sum(f.taille for f in s.fichiers)
    return taches.submit(conn, TYPE, s.proprietaire, s.region_identite, parametres, label, total=total)


def _queued_before(engine: Engine, store: Store, s: envois.Session) -> bool:
    """The session names an import that an earlier try queued (and committed)."""
    with engine.connect() as conn:
        job = taches.get(conn, s.tache, s.proprietaire) if s.tache is not None else None
    return job is not None and job.parametres.get("dossier") == envois.folder_of(store, s)


def _scan(antivirus: Antivirus | None, store: Store, fichiers: list[Envoi]) -> None:
    if antivirus is None:
        return
    for f in fichiers:
        antivirus.check(f.nom, store.iter(f.chemin))


def run(
    engine: Engine, job: Tache, espaces: Espaces, progress, antivirus: Antivirus | None
) -> dict[str, Any]:
    store = espaces.televersements
    s = envois.load(store, job.parametres["envoi"], job.proprietaire)
    if s is None:
        raise Refus(
            "Envoi introuvable : ses morceaux ont expiré ou ont été effacés. Recommencez le chargement."
        )
    if s.tache is None or not _queued_before(engine, store, s):
        s.tache = None
        try:
            _assemble_and_queue(engine, store, s, progress, antivirus)
        except Refus:
            raise
        except Exception:  # a failure (not a death): the chunks stay, « terminer » may be tried again
            if s.tache is not None:  # named, but its transaction did not commit
                s.tache = None
                envois.save(store, s)
            store.delete_prefix(envois.folder_of(store, s))
            envois.release_assembly(store, s)
            raise
    envois.drop_chunks(store, s)
    return {"import": s.tache, "lien": f"/televersement/{s.tache}"}


def _assemble_and_queue(engine: Engine, store: Store, s: envois.Session, progress, antivirus) -> None:
    dossier, fichiers = envois.assemble(store, s, progress)
    try:
        _scan(antivirus, store, fichiers)
    except Infecte as e:  # nothing of it is kept; the session stays to say why
        store.delete_prefix(dossier)
        envois.drop_chunks(store, s)
        raise Refus(str(e)) from e
    except AntivirusIndisponible as e:  # no verdict: the chunks stay, « terminer » may be tried again
        store.delete_prefix(dossier)
        envois.release_assembly(store, s)
        raise Refus(str(e)) from e
    with engine.begin() as conn:  # the import and its name in the session, or neither
        s.tache = import_jobs.submit(
            conn,
            s.proprietaire,
            s.region_identite,
            dossier,
            fichiers,
            annee=s.annee,
            region_fichiers=s.region,
            garder_valides=s.garder_valides,
        )
        envois.save(store, s)


def give_up(job: Tache, espaces: Espaces) -> None:
    """The job will never finish (its workers kept dying): the partial assembly is removed, the
    chunks stay and « terminer » may be asked again."""
    store = espaces.televersements
    s = envois.load(store, job.parametres["envoi"], job.proprietaire)
    if s is None or s.tache is not None:
        return
    store.delete_prefix(envois.folder_of(store, s))
    envois.release_assembly(store, s)
