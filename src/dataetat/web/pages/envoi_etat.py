"""What a resumable upload session answers (web/pages/envoi_reprenable.py): its state as JSON —
the bytes received of each file, its background « terminer » (jobs/assemblage.py), its import once
queued — and « un import est déjà prévu » when an import of the same feed already waits.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy.engine import Connection

from dataetat.jobs import assemblage, envois
from dataetat.jobs import imports as import_jobs
from dataetat.store import taches
from dataetat.web.deps import Identity


def already_planned(conn: Connection, me: Identity, region: str | None, annee: int | None) -> str | None:
    """« Un import est déjà prévu » when an import of the same feed (région of the files, and the
    same exercice when both are known) waits or runs: a second one would only replace it."""
    for job in taches.queued(conn, import_jobs.TYPE) + taches.queued(conn, assemblage.TYPE):
        p = job.parametres
        if p.get("source") or p.get("region") != region:
            continue
        if annee is not None and p.get("annee") is not None and p["annee"] != annee:
            continue
        whose = "le vôtre" if job.proprietaire == me.user else "par un autre compte"
        feed = f"région {region}" if region else "fichier national"
        year = f", exercice {p['annee']}" if p.get("annee") else ""
        return (
            f"Un import est déjà prévu pour ces données ({feed}{year}) : {_what(job)} n° {job.id}, {whose}, "
            f"{'en cours' if job.statut == taches.EN_COURS else 'en attente'}. Attendez sa fin avant d'en envoyer un autre."
        )
    return None


def _what(job: taches.Tache) -> str:
    return "import" if job.type == import_jobs.TYPE else "envoi en cours d'assemblage"


def assembly_of(conn: Connection, s: envois.Session) -> taches.Tache | None:
    job_id = s.extra.get("assemblage")
    return taches.get(conn, job_id, s.proprietaire) if job_id is not None else None


def pending(job: taches.Tache | None) -> bool:
    return job is not None and job.statut in (taches.EN_ATTENTE, taches.EN_COURS)


def public_state(s: envois.Session, recus: dict[str, int], job: taches.Tache | None, queued: bool) -> dict:
    """The session; `tache`/`lien`: its import once queued; `assemblage`: the background
    « terminer » (statut en-attente, en-cours, terminee, echec; bytes hashed of `total`)."""
    return {
        "id": s.id,
        "morceau": s.morceau,
        "fichiers": [
            {"champ": f.champ, "nom": f.nom, "taille": f.taille, "recu": recus[f.champ]} for f in s.fichiers
        ],
        "tache": s.tache if queued else None,
        "lien": f"/televersement/{s.tache}" if queued else None,
        "assemblage": None
        if job is None
        else {
            "tache": job.id,
            "statut": job.statut,
            "progression": job.progression,
            "total": job.total,
            "erreur": job.erreur,
        },
        "statut": f"/televersement/envois/{s.id}",
    }


async def answer(request: Request, db, s: envois.Session, me: Identity, status: int | None = None):
    """The session's state: 200 once its import is queued, else (« terminer ») 202 and where to
    ask (`Location`, `statut`)."""
    job = await db.read(assembly_of, s)
    queued = s.tache is not None and (job is None or job.statut == taches.TERMINEE)
    if queued or pending(job):  # every chunk is there (or was, assembled)
        recus = {f.champ: f.taille for f in s.fichiers}
    else:
        recus = await run_in_threadpool(envois.received, request.app.state.stockage.televersements, s)
    body = public_state(s, recus, job, queued)
    code = status or (200 if queued else 202)
    return JSONResponse(body, status_code=code, headers={"Location": body["statut"]} if code == 202 else None)
