"""Import the demo's other sources through the real import path (`store.sources_import.import_source`).

Two steps, around the Chorus and SIRENE imports of `dataetat demo`:

    import_demo_zonages(engine, sources, report)   # BEFORE Chorus: QPV contours, SIRET → QPV
    ... Chorus AE/CP, SIRENE ...
    import_demo_sources(engine, sources, report)   # AFTER: lieu d'action, ADEME, France 2030, PVD, ACV

QPV contours and SIRET → QPV each rebuild the whole read model (readmodel.rebuild_all): imported
first, they rebuild an empty one (on PostgreSQL, 200,000 demo lines rebuilt took minutes); the
Chorus import then places every line in its QPV. The lieu d'action needs the EJs already imported.
`import_demo_sources(..., zonages=True)` imports everything, in order, when Chorus is already there.

Every import re-applies the tags (`apres=apres_import`: tags and open cells, query/apres_import.py), like the CLI and upload jobs. This is
the only module of demo/ importing query/ (for that callback), and it does so inside the functions.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import Engine

from dataetat.demo.sources import SourceFiles
from dataetat.ingest.problems import Report

Reporter = Callable[[Report], None]


class DemoImportError(RuntimeError):
    """A generated file was refused: the demo generator and the importer disagree."""


def load_demo_referentiels(engine: Engine, *frame_sets: dict) -> None:
    """The referential rows of the codes the demo made up (GeneratedFiles.referentiels of each
    generated région), before the Chorus files: the demo ships every code it uses, its import
    report lists no unknown code."""
    import polars as pl

    from dataetat.store import referentiels
    from dataetat.store.engine import data_write

    merged: dict = {}
    for frames in frame_sets:
        for kind, frame in frames.items():
            merged[kind] = pl.concat([merged[kind], frame]) if kind in merged else frame
    if merged:
        with data_write(engine) as conn:
            referentiels.load(
                conn, {kind: frame.unique("code", keep="first") for kind, frame in merged.items()}
            )


def zonages_order(files: SourceFiles) -> list[tuple[str, Path, int | None]]:
    """(kind of import_source, path, découpage): what goes before the Chorus files."""
    return [("qpv", files.qpv, 2024), ("siret-qpv", files.siret_qpv, None)]


def sources_order(files: SourceFiles) -> list[tuple[str, Path, int | None]]:
    """What goes after the Chorus and SIRENE files."""
    return [
        ("qpv-lieu-action", files.qpv_lieu_action, None),
        ("ademe", files.ademe, None),
        ("france2030", files.france_2030, None),
        ("pvd", files.pvd, None),
        ("acv", files.acv, None),
    ]


def _run(
    engine: Engine, order: list[tuple[str, Path, int | None]], report: Reporter | None
) -> dict[str, int]:
    from dataetat.query.apres_import import apres_import
    from dataetat.store.sources_import import import_source

    imported: dict[str, int] = {}
    for kind, path, decoupage in order:
        result = import_source(engine, kind, path, decoupage=decoupage, apres=apres_import)
        if report is not None:
            report(result.report)
        if not result.written:
            raise DemoImportError(f"Fichier de démonstration refusé : {path} ({kind})")
        imported[kind] = result.report.lignes_importees
    return imported


def import_demo_zonages(engine: Engine, files: SourceFiles, report: Reporter | None = None) -> dict[str, int]:
    """QPV contours and SIRET → QPV; kind → rows imported. Raises DemoImportError on a refusal."""
    return _run(engine, zonages_order(files), report)


def import_demo_sources(
    engine: Engine, files: SourceFiles, report: Reporter | None = None, *, zonages: bool = False
) -> dict[str, int]:
    """Lieu d'action, ADEME, France 2030, PVD, ACV (and first the zonages when `zonages`);
    kind → rows imported. Raises DemoImportError on a refusal."""
    order = (zonages_order(files) if zonages else []) + sources_order(files)
    return _run(engine, order, report)
