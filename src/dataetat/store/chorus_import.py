"""Import Chorus files: stream into staging, check everything, then merge set-based, atomically.

Nothing is written unless every file is valid (or `keep_valid` asks to import the valid rows and
write the rejected ones aside). Everything — staging, replacement of (feed, year), read-model
update, import history — happens in one transaction: an error or a kill leaves the base as it was.
The merge's SQL is store/chorus_fusion.py, the report it completes store/chorus_rapport.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from dataetat.ingest.chorus import ChorusFile, ChorusOptions, open_chorus
from dataetat.ingest.problems import FileUnreadable, Report
from dataetat.ingest.read import NeedsExactPass
from dataetat.ingest.rejects import RejectsWriter
from dataetat.model.enums import Kind
from dataetat.settings import annees_acceptees
from dataetat.store import chorus_fusion, chorus_rapport, readmodel, remplacement, staging
from dataetat.store.engine import data_write
from dataetat.store.schema import ref_region, ref_societe

ETRANGER = "99"  # « Étranger » is in the référentiel of régions, but no région's Chorus export
Progress = Callable[[str, int], None]  # (file name, lines read so far)
After = Callable[
    [Connection], None
]  # run on the import's connection right before commit (tags: etiquetage.reapply)
Record = Callable[
    [Connection, list[Report]], None
]  # writes the audit row of a written import, in its transaction (jobs/journal.import_recorder)


@dataclass
class ImportOptions:
    annee: int | None = None
    region: str | None = None
    expected_kind: Kind | None = None
    rejets: Path | None = None  # import valid rows, write rejected ones here
    annees: tuple[int, int] = field(default_factory=annees_acceptees)  # settings annee_min, annee_max
    # The web asks before replacing (see store/remplacement.py); the command line never does.
    confirmation: remplacement.Confirmation | None = None
    qui: str | None = None  # who imports, and from which région (kept with the lot)
    region_identite: str | None = None
    noms: dict[str, str] = field(default_factory=dict)  # path → name shown and recorded (uploads)


@dataclass
class ImportResult:
    reports: list[Report] = field(default_factory=list)
    written: bool = False
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase, for benchmarks
    flux: list[remplacement.Flux] = field(default_factory=list)  # what was (or would be) replaced
    a_confirmer: bool = False  # nothing written: the replacement waits for the user's confirmation
    lot: int | None = None  # the lot that can be undone (store/annulation.py)

    @contextmanager
    def timed(self, phase: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.timings[phase] = self.timings.get(phase, 0.0) + time.perf_counter() - start

    @property
    def valid(self) -> bool:
        return all(r.valid for r in self.reports)


def import_chorus(
    engine: Engine,
    paths: list[Path],
    options: ImportOptions,
    progress: Progress | None = None,
    *,
    apres: After | None = None,
    record: Record | None = None,
) -> ImportResult:
    result = ImportResult()
    with engine.connect() as conn:
        societes = dict(conn.execute(sa.select(ref_societe.c.code, ref_societe.c.code_region)).all())
        regions = frozenset(conn.execute(sa.select(ref_region.c.code)).scalars()) - {ETRANGER}
    chorus_options = ChorusOptions(
        options.annee, options.region, options.expected_kind, societes, options.annees, regions, options.noms
    )
    files: list[ChorusFile] = []
    for path in paths:
        try:
            files.append(open_chorus(path, chorus_options))
        except FileUnreadable as e:
            result.reports.append(e.report)
    _refuse_duplicates(files)
    if result.reports or any(not f.report.valid for f in files):  # nothing is read further, nothing written
        result.reports += [f.report for f in files]
        return result
    result.reports = [f.report for f in files]
    rejects = RejectsWriter(options.rejets) if options.rejets else None
    try:
        return _import(engine, files, options, result, rejects, progress, apres, record)
    except sa.exc.DBAPIError as e:
        if not _is_overflow(e):
            raise
        # A sum beyond DECIMAL(18, 2) that only appears with the data already in the base (the
        # AE of a line over several years, its payments): the transaction is rolled back.
        result.written = False
        files[0].report.add(
            "somme-trop-grande",
            colonne="Montant",
            valeur="> 9 999 999 999 999 999,99",
            detail="d'une ligne, avec les données déjà importées,",
        )
        return result


def _is_overflow(error: sa.exc.DBAPIError) -> bool:
    text = str(error.orig).lower()
    return any(word in text for word in ("overflow", "out of range", "out of bounds"))


def _import(engine, files, options, result, rejects, progress, apres, record) -> ImportResult:
    with data_write(engine) as conn:  # one data-changing transaction at a time on DuckDB
        stage = staging.Staging(conn)
        try:
            with result.timed("lecture et contrôle"):
                for chorus in files:
                    _stage_file(conn, stage, chorus, rejects, progress)
                stage.close()
                oversized = _refuse_oversized_sums(conn, files)
            if rejects:
                rejects.close()
            if oversized or (not result.valid and options.rejets is None):
                conn.rollback()
                return result
            if not _merge(conn, files, result, options):
                conn.rollback()
                return result
            if apres is not None:
                with result.timed("étiquettes"):
                    apres(conn)
            if record is not None:
                record(conn, result.reports)
            result.written = True
        finally:
            stage.drop()
    return result


def _refuse_oversized_sums(conn: Connection, files: list[ChorusFile]) -> bool:
    """Sums the base cannot hold refuse the import (even with --rejets: no line is at fault alone)."""
    by_id = {f.import_id: f.report for f in files}
    found = staging.oversized_sums(conn)
    for import_id, _kind, line, total, what in found:
        by_id[import_id].add(
            "somme-trop-grande", ligne=line, colonne="Montant", valeur=str(total), detail=what
        )
    return bool(found)


def _refuse_duplicates(files: list[ChorusFile]) -> None:
    """The same file given twice would count its amounts twice (files of one exercice are summed)."""
    seen: dict[str, str] = {}
    for chorus in files:
        if chorus.sha256 in seen:
            chorus.report.add("fichier-en-double", detail=f"il est identique à « {seen[chorus.sha256]} »")
        seen.setdefault(chorus.sha256, chorus.path.name)


def _stage_file(
    conn: Connection,
    stage: staging.Staging,
    chorus: ChorusFile,
    rejects: RejectsWriter | None,
    progress: Progress | None,
) -> None:
    import_id = conn.execute(sa.select(sa.func.nextval("import_id_seq"))).scalar_one()
    chorus.import_id = import_id
    try:
        _stage_batches(stage, chorus, import_id, rejects, progress, exact=False)
    except NeedsExactPass:
        stage.forget(chorus.kind, import_id)
        chorus.report.restart()
        if rejects:
            rejects.forget(chorus.report.fichier)
        _stage_batches(stage, chorus, import_id, rejects, progress, exact=True)


def _stage_batches(stage, chorus, import_id, rejects, progress, exact: bool) -> None:
    for valid, rejected in chorus.batches(exact=exact):
        stage.add(chorus.kind, import_id, valid)
        if rejects and rejected.height:
            rejects.write(chorus.report.fichier, rejected)
        if progress:
            progress(chorus.report.fichier, chorus.report.lignes_lues)


def _merge(conn: Connection, files: list[ChorusFile], result: ImportResult, options: ImportOptions) -> bool:
    """Replace and record; False (nothing to keep) when the replacement waits for a confirmation."""
    with result.timed("dédoublonnage"):
        replace_ids = [f.import_id for f in files if f.detected.format != "pipe"]
        staging.collect_touched(conn, replace_ids)
    with result.timed("état précédent"):
        remplacement.before(conn)
    with result.timed("remplacement AE"):
        chorus_fusion.replace_ae(conn)
    with result.timed("remplacement CP"):
        chorus_fusion.replace_cp(conn)
    import_ids = [f.import_id for f in files]
    with result.timed("état précédent"):
        result.flux = remplacement.compare(conn, import_ids)
        if remplacement.needs_confirmation(result.flux, options.confirmation):
            result.a_confirmer = True
            totals = staging.totals(conn)
            for chorus in files:
                chorus_rapport.set_totals(chorus, totals)  # what the confirmation would import
            return False
        result.lot = remplacement.keep(conn, import_ids, result.flux, options.qui, options.region_identite)
    with result.timed("modèle de lecture"):
        staging.analyze_merged(conn)
        readmodel.refresh_touched(conn)
    with result.timed("rapport"):
        chorus_rapport.write_reports(conn, files)
    return True
