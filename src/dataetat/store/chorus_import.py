"""Import Chorus files: stream into staging, check everything, then merge set-based, atomically.

Nothing is written unless every file is valid (or `keep_valid` asks to import the valid rows and
write the rejected ones aside). Everything — staging, replacement of (feed, year), read-model
update, import history — happens in one transaction: an error or a kill leaves the base as it was.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from dataetat.ingest.chorus import ChorusFile, ChorusOptions, open_chorus
from dataetat.ingest.problems import FileUnreadable, Report
from dataetat.ingest.read import NeedsExactPass
from dataetat.ingest.rejects import RejectsWriter
from dataetat.ingest.validate import STAGING
from dataetat.model.enums import Kind
from dataetat.settings import annees_acceptees
from dataetat.store import readmodel, remplacement, staging
from dataetat.store.historique import record_file
from dataetat.store.schema import ae_annee, cp, ref_region, ref_societe

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
    with engine.begin() as conn:
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
        _replace_ae(conn)
    with result.timed("remplacement CP"):
        _replace_cp(conn)
    import_ids = [f.import_id for f in files]
    with result.timed("état précédent"):
        result.flux = remplacement.compare(conn, import_ids)
        if remplacement.needs_confirmation(result.flux, options.confirmation):
            result.a_confirmer = True
            for chorus, (count, total) in _staged(files, staging.totals(conn)):
                chorus.report.lignes_importees = count  # what the confirmation would import
                if chorus.kind == Kind.AE:
                    chorus.report.somme_ae = total
                else:
                    chorus.report.somme_cp = total
            return False
        result.lot = remplacement.keep(conn, import_ids, result.flux, options.qui, options.region_identite)
    with result.timed("modèle de lecture"):
        staging.analyze_merged(conn)
        readmodel.refresh_touched(conn)
    with result.timed("rapport"):
        unknown = staging.unknown_codes(conn)
        totals = staging.totals(conn)
        restated = _restated(conn)
        for chorus in files:
            _flag_restated(chorus, restated.get(chorus.import_id, {}))
            _record(conn, chorus, unknown, totals)
    return True


_AE_ATTRS = [
    c.name
    for c in ae_annee.columns
    if c.name in STAGING[Kind.AE] and c.name not in ("data_source", "annee", "montant")
]
_CP_COLS = [c.name for c in cp.columns if c.name in STAGING[Kind.CP] and c.name != "ligne"]


def _replace_ae(conn: Connection) -> None:
    """AE amounts of the replaced feeds, and of the EJ/poste-years brought again, are replaced;
    engagements keep their ids."""
    conn.exec_driver_sql(
        """DELETE FROM ae_annee WHERE EXISTS (SELECT 1 FROM engagement e JOIN ae_feeds f ON f.source_region = e.source_region
           WHERE e.id = ae_annee.engagement_id AND f.data_source = ae_annee.data_source AND f.annee = ae_annee.annee)
           OR EXISTS (SELECT 1 FROM engagement e JOIN stg_ae s ON s.source_region = e.source_region
               AND s.n_ej = e.n_ej AND s.n_poste_ej = e.n_poste_ej
               WHERE e.id = ae_annee.engagement_id AND s.data_source = ae_annee.data_source AND s.annee = ae_annee.annee)"""
    )
    conn.exec_driver_sql(
        """INSERT INTO engagement (id, source_region, n_ej, n_poste_ej)
           SELECT nextval('line_id_seq'), k.source_region, k.n_ej, k.n_poste_ej
           FROM (SELECT DISTINCT source_region, n_ej, n_poste_ej FROM stg_ae) k
           WHERE NOT EXISTS (SELECT 1 FROM engagement e WHERE e.source_region = k.source_region
                             AND e.n_ej = k.n_ej AND e.n_poste_ej = k.n_poste_ej)"""
    )
    attrs = ", ".join(_AE_ATTRS)
    conn.exec_driver_sql(
        f"""INSERT INTO ae_annee (engagement_id, data_source, annee, montant, import_id, ligne_fichier, {attrs})
            SELECT e.id, s.data_source, s.annee, s.total, s.import_id, s.ligne, {", ".join("s." + a for a in _AE_ATTRS)}
            FROM ({staging.DEDUPED_AE}) s JOIN engagement e ON e.source_region = s.source_region
                 AND e.n_ej = s.n_ej AND e.n_poste_ej = s.n_poste_ej"""
    )
    conn.exec_driver_sql(
        """DELETE FROM engagement WHERE EXISTS (SELECT 1 FROM touched t
               WHERE t.n_ej = engagement.n_ej AND t.n_poste_ej = engagement.n_poste_ej)
           AND NOT EXISTS (SELECT 1 FROM ae_annee a WHERE a.engagement_id = engagement.id)"""
    )


# A payment brought again (same feed, year, DP, EJ/poste and amount, in the same order) keeps its id,
# so that re-importing the same file leaves every line id as it was.
_CP_SAME = "data_source, source_region, annee, n_dp, n_poste_dp, n_ej, n_poste_ej, montant"


def _replace_cp(conn: Connection) -> None:
    # The equalities first: PostgreSQL cannot hash a join on IS NOT DISTINCT FROM alone, and
    # replacing an exercice of 100,000 CP rows compared every new row with every old one (400 s).
    same = " AND ".join(
        [f"n.{c} = o.{c}" for c in ("data_source", "source_region", "annee", "montant")]
        + [f"COALESCE(n.{c}, '') = COALESCE(o.{c}, '')" for c in ("n_dp", "n_ej")]
        + [f"n.{c} IS NOT DISTINCT FROM o.{c}" for c in _CP_SAME.split(", ")]
    )
    conn.exec_driver_sql(
        f"""CREATE TEMPORARY TABLE cp_kept AS
            SELECT n.import_id, n.ligne, o.id FROM
                (SELECT s.*, ROW_NUMBER() OVER (PARTITION BY {_CP_SAME} ORDER BY import_id, ligne) AS rk FROM stg_cp s) n
            JOIN (SELECT c.*, ROW_NUMBER() OVER (PARTITION BY {_CP_SAME} ORDER BY ligne_fichier, id) AS rk
                  FROM cp c WHERE c.id IN (SELECT id FROM cp_deleted)) o
            ON {same} AND n.rk = o.rk"""
    )
    conn.exec_driver_sql("DELETE FROM cp WHERE id IN (SELECT id FROM cp_deleted)")
    cols = ", ".join(_CP_COLS)
    conn.exec_driver_sql(
        f"""INSERT INTO cp (id, ligne_fichier, import_id, {cols})
            SELECT COALESCE(k.id, nextval('line_id_seq')), s.ligne, s.import_id, {", ".join("s." + c for c in _CP_COLS)}
            FROM stg_cp s LEFT JOIN cp_kept k ON k.import_id = s.import_id AND k.ligne = s.ligne"""
    )


def _staged(files: list[ChorusFile], totals: dict) -> list[tuple[ChorusFile, tuple[int, Decimal]]]:
    return [(chorus, totals.get(chorus.import_id, (0, Decimal(0)))) for chorus in files]


_RESTATED_SHOWN = 20  # postes detailed per file; the others are counted


def _restated(conn: Connection) -> dict[int, dict[tuple[str, int], list[tuple[int, Decimal]]]]:
    """Per import: the postes it brings with a positive amount while another exercice of the same
    feed holds a different positive amount (only the latest exercice's counts), with every positive
    (année, montant) of the poste; at most `_RESTATED_SHOWN` postes per import, plus a count under
    the key ("", -1)."""
    rows = conn.exec_driver_sql(
        f"""WITH flagged AS (
                SELECT DISTINCT s.import_id, s.data_source, e.id AS engagement_id, s.n_ej, s.n_poste_ej
                FROM ({staging.DEDUPED_AE}) s JOIN engagement e ON e.source_region = s.source_region
                     AND e.n_ej = s.n_ej AND e.n_poste_ej = s.n_poste_ej
                WHERE s.total > 0 AND EXISTS (SELECT 1 FROM ae_annee o WHERE o.engagement_id = e.id
                     AND o.data_source = s.data_source AND o.montant > 0 AND o.montant <> s.total)),
            ranked AS (
                SELECT f.*, DENSE_RANK() OVER (PARTITION BY import_id ORDER BY n_ej, n_poste_ej) AS rang,
                       COUNT(*) OVER (PARTITION BY import_id) AS nombre
                FROM flagged f)
            SELECT r.import_id, r.n_ej, r.n_poste_ej, r.nombre, o.annee, o.montant
            FROM ranked r JOIN ae_annee o ON o.engagement_id = r.engagement_id AND o.data_source = r.data_source
            WHERE r.rang <= {_RESTATED_SHOWN} AND o.montant > 0
            ORDER BY r.import_id, r.rang, o.annee"""
    ).all()
    found: dict[int, dict[tuple[str, int], list[tuple[int, Decimal]]]] = {}
    for import_id, n_ej, poste, count, annee, montant in rows:
        postes = found.setdefault(import_id, {("", -1): [(int(count), Decimal(0))]})
        postes.setdefault((n_ej, poste), []).append((annee, Decimal(montant)))
    return found


def _flag_restated(chorus: ChorusFile, postes: dict[tuple[str, int], list[tuple[int, Decimal]]]) -> None:
    count = postes.pop(("", -1), [(0, Decimal(0))])[0][0]
    for (n_ej, poste), amounts in postes.items():
        detail = " ; ".join(f"{annee} : {_euros(montant)}" for annee, montant in amounts)
        chorus.report.add("montant-ae-modifie", valeur=f"EJ {n_ej}, poste {poste}", detail=detail)
    if count > len(postes):
        chorus.report.count("montant-ae-modifie", count - len(postes))


def _euros(value: Decimal) -> str:
    return f"{value:,.2f}".replace(",", "\u202f").replace(".", ",") + "\u202f€"


def _record(conn: Connection, chorus: ChorusFile, unknown: dict, totals: dict) -> None:
    report = chorus.report
    import_id = chorus.import_id
    count, total = totals.get(import_id, (0, Decimal(0)))
    report.lignes_importees = count
    if chorus.kind == Kind.AE:
        report.somme_ae = total
    else:
        report.somme_cp = total
    for referential, codes in unknown.get(import_id, {}).items():
        report.codes_inconnus[referential] = codes
        for code in codes[:20]:
            report.add(
                "code-inconnu", colonne=referential, valeur=code, detail=f"{len(codes)} code(s) inconnu(s)"
            )
    feeds = staging.feeds_of(conn, import_id)
    record_file(
        conn,
        import_id,
        f"chorus-{chorus.kind.value}",
        chorus.report.fichier,
        chorus.sha256,
        report,
        data_source=",".join(sorted({f[0] for f in feeds})) or None,
        source_region=",".join(sorted({f[1] for f in feeds})) or None,
        annee=min((f[2] for f in feeds), default=None),
    )
