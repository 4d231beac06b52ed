"""Audit events of imports and exports, with the same details whoever writes them (the worker at
the end of a job, the export routes, the command line).

    record_export(conn, "agent@x.fr", "53", {"annee": "2023"}, "csv", lignes=1234)
    record_import(conn, "cli", None, [fichier(...)], written=True)
    record_job(conn, job, result)          # the worker, when a job ends (error: its French message)
    import_chorus(..., record=import_recorder("cli", None, digests))   # a written import's row, in its transaction

A written import's audit row is written in the import's own transaction (`import_recorder`): an import
killed just after its commit is audited all the same. A refused or failed one is recorded after.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from sqlalchemy.engine import Connection

from dataetat.ingest.problems import Report
from dataetat.jobs import exports as export_jobs
from dataetat.jobs import imports as import_jobs
from dataetat.store import audit, taches
from dataetat.store.taches import Tache


def query_string(query: dict[str, str]) -> str:
    """The search as the query string of its address (annee=2023&programme=103)."""
    return urlencode(query)


def record_export(
    conn: Connection,
    qui: str,
    region: str | None,
    query: dict[str, str],
    fmt: str,
    lignes: int | None,
    *,
    quoi: str = "lignes",
    tache: int | None = None,
    erreur: str | None = None,
) -> int:
    """An export of a search: `quoi` is lignes, groupes or tableau; `lignes` the rows written."""
    details: dict[str, Any] = {
        "recherche": query_string(query),
        "format": fmt,
        "quoi": quoi,
        "lignes": lignes,
    }
    if tache is not None:
        details["tache"] = tache
    if erreur:
        details["erreur"] = erreur
    return audit.record(
        conn, "export", qui, region=region, details=details, resultat=audit.ECHEC if erreur else audit.OK
    )


def fichier(nom: str, sha256: str | None, lignes: int, somme_ae: float, somme_cp: float) -> dict[str, Any]:
    return {"nom": nom, "sha256": sha256, "lignes": lignes, "somme_ae": somme_ae, "somme_cp": somme_cp}


def record_import(
    conn: Connection,
    qui: str,
    region: str | None,
    fichiers: list[dict[str, Any]],
    *,
    written: bool,
    erreur: str | None = None,
    **extra: Any,
) -> int:
    """An import of financial files: each file with its sha256, lines, Σ AE and Σ CP, and the totals.
    Written: ok; refused by the checks: refuse; failed on an error: echec."""
    details = {
        "fichiers": fichiers,
        "lignes": sum(f["lignes"] or 0 for f in fichiers),
        "somme_ae": round(sum(f["somme_ae"] or 0 for f in fichiers), 2),
        "somme_cp": round(sum(f["somme_cp"] or 0 for f in fichiers), 2),
        **extra,
    }
    resultat = audit.OK if written else audit.REFUSE
    if erreur:
        details["erreur"], resultat = erreur, audit.ECHEC
    return audit.record(conn, "import", qui, region=region, details=details, resultat=resultat)


def of_reports(reports: list[Report], digests: dict[str, str | None]) -> list[dict[str, Any]]:
    """The audit's files of an import's reports (`digests`: file name → sha256)."""
    return [
        fichier(r.fichier, digests.get(r.fichier), r.lignes_lues, float(r.somme_ae), float(r.somme_cp))
        for r in reports
    ]


def import_recorder(qui: str, region: str | None, digests: dict[str, str | None], **extra: Any):
    """The importers' `record` hook: the audit row of a written import, on its connection."""

    def record(conn: Connection, reports: list[Report]) -> None:
        lignes = sum(r.lignes_importees for r in reports)
        record_import(
            conn, qui, region, of_reports(reports, digests), written=True, lignes_importees=lignes, **extra
        )

    return record


def job_recorder(job: Tache):
    """`import_recorder` of an import job (the same details as `record_job`); it also marks the job's
    import written, in the same transaction (`taches.mark_written`: never two imports of one job)."""
    p = job.parametres
    digests = {f["nom"]: f["sha256"] for f in p["fichiers"]}
    audited = import_recorder(
        job.proprietaire,
        job.region,
        digests,
        region_fichiers=p.get("region"),
        annee=p.get("annee"),
        tache=job.id,
        **({"source": p["source"]} if p.get("source") else {}),
    )

    def record(conn: Connection, reports: list[Report]) -> None:
        audited(conn, reports)
        details = {
            "fichiers": of_reports(reports, digests),
            "lignes_importees": [r.lignes_importees for r in reports],
        }
        taches.mark_written(conn, job.id, details)

    return record


def record_job(
    conn: Connection, job: Tache, result: dict[str, Any] | None, erreur: str | None = None
) -> None:
    """The audit event of a job that ended (`result` when it finished, `erreur` when it failed); a
    written import was recorded in its transaction (`job_recorder`)."""
    p = job.parametres
    if job.type == export_jobs.TYPE:
        lignes = (result or {}).get("lignes")
        record_export(
            conn,
            job.proprietaire,
            job.region,
            p["recherche"],
            p["format"],
            lignes,
            tache=job.id,
            erreur=erreur,
        )
    elif job.type == import_jobs.TYPE and not (result and (result["importe"] or result.get("a_confirmer"))):
        # (a check waiting for the user's confirmation did nothing: its confirmed import is audited)
        if result is not None:
            fichiers = [
                fichier(f["fichier"], f["sha256"], f["lignes_lues"], f["somme_ae"], f["somme_cp"])
                for f in result["fichiers"]
            ]
        else:
            fichiers = [fichier(f["nom"], f["sha256"], 0, 0, 0) for f in p["fichiers"]]
        record_import(
            conn,
            job.proprietaire,
            job.region,
            fichiers,
            written=bool(result and result["importe"]),
            erreur=erreur,
            lignes_importees=(result or {}).get("totaux", {}).get("lignes_importees", 0),
            region_fichiers=p.get("region"),
            annee=p.get("annee"),
            tache=job.id,
            **({"source": p["source"]} if p.get("source") else {}),
        )
