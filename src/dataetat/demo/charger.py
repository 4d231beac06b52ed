"""Import the demo's other sources through the real import path (`store.sources_import.import_source`),
in dependency order: QPV contours first (labels), then SIRET → QPV (beneficiaries' QPV), the lieu
d'action split (needs the Chorus EJs already imported), the operators' aids, the PVD/ACV communes.

    results = import_demo_sources(engine, sources, report=print_report)

Every import re-applies the tags (`apres=etiquetage.reapply`), like the CLI and upload jobs. This
module is the only one of demo/ importing query/ (for that callback), and does so lazily.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Engine

from dataetat.demo.sources import SourceFiles
from dataetat.ingest.problems import Report


class DemoImportError(RuntimeError):
    """A generated file was refused: the demo generator and the importer disagree."""


def import_order(files: SourceFiles) -> list[tuple[str, object, int | None]]:
    """(kind of import_source, path, découpage) in the order they must be imported."""
    return [
        ("qpv", files.qpv, 2024),
        ("siret-qpv", files.siret_qpv, None),
        ("qpv-lieu-action", files.qpv_lieu_action, None),
        ("ademe", files.ademe, None),
        ("france2030", files.france_2030, None),
        ("pvd", files.pvd, None),
        ("acv", files.acv, None),
    ]


def import_demo_sources(
    engine: Engine, files: SourceFiles, report: Callable[[Report], None] | None = None
) -> dict[str, int]:
    """Import every file; kind → lines imported. Raises DemoImportError when one is refused."""
    from dataetat.query.etiquetage import reapply
    from dataetat.store.sources_import import import_source

    imported: dict[str, int] = {}
    for kind, path, decoupage in import_order(files):
        result = import_source(engine, kind, path, decoupage=decoupage, apres=reapply)
        if report is not None:
            report(result.report)
        if not result.written:
            raise DemoImportError(f"Fichier de démonstration refusé : {path} ({kind})")
        imported[kind] = result.report.lignes_importees
    return imported
