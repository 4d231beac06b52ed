"""What every command module shares: the consoles, the engine of the settings (a locked DuckDB
file or a refused URL is a French message and exit 2, not a traceback), an import report printed
in French and the progress bar of the long commands."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from dataetat.ingest.problems import Report
from dataetat.model.format_fr import euros
from dataetat.settings import Settings
from dataetat.store.engine import StoreError, make_engine

log = logging.getLogger("dataetat.cli")
console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def engine_of_settings():
    try:
        return make_engine(Settings())
    except StoreError as e:
        err.print(f"[red]{e}[/red]")
        raise typer.Exit(2) from e


def print_report(report: Report, brief: bool = False) -> None:
    """The report in French: totals, then each problem (up to 50) — or, `brief`, a count per kind of
    problem (the demo: thousands of expected warnings would hide the totals)."""
    d = report.as_dict()
    status = "[green]valide[/green]" if report.valid else "[red]refusé[/red]"
    console.print(f"[bold]{report.fichier}[/bold] ({report.format or 'format inconnu'}) : {status}")
    console.print(
        f"  lignes lues {d['lignes_lues']}, importées {d['lignes_importees']}, rejetées {d['lignes_rejetees']}, "
        f"Σ AE {euros(report.somme_ae)}, Σ CP {euros(report.somme_cp)}"
    )
    if brief and report.valid:
        if report.warning_count:
            codes = ", ".join(sorted({p.code for p in report.problems}))
            console.print(
                f"  [yellow]{report.warning_count} avertissement(s)[/yellow] ({codes}), par exemple : "
                f"{report.problems[0].describe()}",
                highlight=False,
            )
        return
    for p in report.problems[:50]:
        colour = "red" if p.niveau == "erreur" else "yellow"
        console.print(f"  [{colour}]{p.niveau}[/{colour}] {p.describe()}", highlight=False)
    hidden = report.error_count + report.warning_count - min(len(report.problems), 50)
    if hidden > 0:
        console.print(f"  … et {hidden} autre(s) problème(s).")


def progress_bar(unite: str = "lignes") -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn(f"{{task.completed}} {unite}"),
        TimeElapsedColumn(),
        console=err,
    )


@contextmanager
def audited_failure(engine, digests: dict[str, str | None], **details: Any) -> Iterator[None]:
    """An import that fails on an unexpected error: audited as failed, told in French (nothing was
    written: the import is one transaction), exit 1 — never a traceback."""
    try:
        yield
    except (typer.Exit, KeyboardInterrupt):
        raise
    except Exception as exc:  # noqa: BLE001 - any failure is reported, the details go to the log
        from dataetat.jobs import journal
        from dataetat.store import audit

        log.exception("import en échec")
        message = (
            "Erreur interne pendant l'import : rien n'a été écrit dans la base ; elle a été journalisée."
        )
        with engine.begin() as conn:
            files = [journal.fichier(name, digest, 0, 0, 0) for name, digest in digests.items()]
            journal.record_import(conn, audit.CLI, None, files, written=False, erreur=message, **details)
        err.print(f"[red]{message}[/red]")
        raise typer.Exit(1) from exc


def record_refused(engine, reports: list[Report], digests: dict[str, str | None], **details: Any) -> None:
    """The audit row of a refused import (a written one was audited in its own transaction)."""
    from dataetat.jobs import journal
    from dataetat.store import audit

    with engine.begin() as conn:
        files = journal.of_reports(reports, digests)
        journal.record_import(conn, audit.CLI, None, files, written=False, lignes_importees=0, **details)
