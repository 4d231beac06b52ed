"""The result of an import job, as the upload page shows it: per file its format, type, exercice,
lines, Σ AE, Σ CP, sha256 and its first MAX_PROBLEMES errors and warnings (the command line's advice
reworded for the page's fields), the totals; and the result of a job whose import an earlier try
wrote before dying (jobs/execution.py).
"""

from __future__ import annotations

from typing import Any

from dataetat.ingest.problems import Problem, Report
from dataetat.jobs.import_fichiers import Envoi

MAX_PROBLEMES = 500  # errors (and warnings) kept per file in the job's result
SOMMES = ("lignes_lues", "lignes_importees", "lignes_rejetees", "somme_ae", "somme_cp")  # summed in `totaux`

# The importer speaks to the command line; on the page the same advice names the form's fields,
# as the identity's form shows them (a regional identity has no « Région des fichiers » choice).
_WEB_WORDING = {
    "(--region 53)": "(champ « Région des fichiers »)",
    "(--annee 2024)": "(champ « Exercice »)",
    "n'indiquez pas --region": "choisissez « Fichier national » dans le champ « Région des fichiers »",
}
_REGIONAL_WORDING = _WEB_WORDING | {
    "n'indiquez pas --region": "seul un compte national peut le charger ; votre compte charge les "
    "exports régionaux de sa région",
}


def wording(region: str | None) -> dict[str, str]:
    return _REGIONAL_WORDING if region else _WEB_WORDING


def fichier(
    report: Report,
    envoi: Envoi | None,
    recorded,
    annee: int | None,
    words: dict[str, str] = _WEB_WORDING,
    region: str | None = None,
) -> dict[str, Any]:
    """One file of the result: its report, under the name the user gave (`recorded`: the history's
    row of a written import, for its exercice and régions)."""
    by_place = lambda p: (p.ligne or 0, p.colonne or "")  # noqa: E731
    errors, warnings = sorted(report.errors, key=by_place), sorted(report.warnings, key=by_place)
    return {
        "fichier": envoi.nom if envoi else report.fichier,  # the name the user gave (saved under a safe one)
        "champ": envoi.champ if envoi else None,
        "format": report.format,
        "type": report.kind,
        "exercice": recorded.annee if recorded else annee,
        "regions": recorded.regions if recorded else region,
        "valide": report.valid,
        "lignes_lues": report.lignes_lues,
        "lignes_importees": report.lignes_importees,
        "lignes_rejetees": report.lignes_rejetees,
        "somme_ae": float(report.somme_ae),
        "somme_cp": float(report.somme_cp),
        "sha256": envoi.sha256 if envoi else None,
        "taille": envoi.taille if envoi else None,
        "nb_erreurs": report.error_count,
        "nb_avertissements": report.warning_count,
        "erreurs": [_problem(x, words) for x in errors[:MAX_PROBLEMES]],
        "avertissements": [_problem(x, words) for x in warnings[:MAX_PROBLEMES]],
        "erreurs_non_affichees": report.error_count - min(len(errors), MAX_PROBLEMES),
        "avertissements_non_affiches": report.warning_count - min(len(warnings), MAX_PROBLEMES),
        "codes_inconnus": report.codes_inconnus,
    }


def _problem(problem: Problem, words: dict[str, str]) -> dict[str, Any]:
    message = problem.message
    for cli, web in words.items():
        message = message.replace(cli, web)
    return {
        "ligne": problem.ligne,
        "colonne": problem.colonne,
        "valeur": problem.valeur,
        "code": problem.code,
        "message": message,
    }


def totaux(fichiers: list[dict[str, Any]]) -> dict[str, Any]:
    """The sums of the files' lines and amounts, and their errors."""
    return {key: sum(f[key] for f in fichiers) for key in SOMMES} | {
        "erreurs": sum(f["nb_erreurs"] for f in fichiers)
    }


def result_of_written(details: dict[str, Any]) -> dict[str, Any]:
    """The result of a job whose import an earlier try wrote, then died before ending the job (its
    report is lost; the record written with the import gives the files, lines and sums)."""
    fichiers = [
        {
            "fichier": f["nom"],
            "champ": None,
            "format": None,
            "type": None,
            "exercice": None,
            "regions": None,
            "valide": True,
            "lignes_lues": f["lignes"],
            "lignes_importees": imported,
            "lignes_rejetees": 0,
            "somme_ae": f["somme_ae"],
            "somme_cp": f["somme_cp"],
            "sha256": f["sha256"],
            "taille": None,
            "nb_erreurs": 0,
            "nb_avertissements": 0,
            "erreurs": [],
            "avertissements": [],
            "erreurs_non_affichees": 0,
            "avertissements_non_affiches": 0,
            "codes_inconnus": {},
        }
        for f, imported in zip(details["fichiers"], details["lignes_importees"], strict=True)
    ]
    return {
        "importe": True,
        "a_confirmer": False,
        "comparaison": [],
        "avant": None,
        "lot": None,
        "fichiers": fichiers,
        "totaux": totaux(fichiers),
        "rejets": None,
        "durees": {},
        "repris": True,  # ended from the record of an earlier try
    }
