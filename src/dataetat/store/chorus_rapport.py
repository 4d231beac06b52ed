"""What a Chorus import writes in its report once merged: lines and sums imported, unknown codes,
AE amounts restated by another exercice, and the row of the import history."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.engine import Connection

from dataetat.ingest.chorus import ChorusFile
from dataetat.model.enums import Kind
from dataetat.model.format_fr import euros
from dataetat.store import staging
from dataetat.store.historique import record_file


def write_reports(conn: Connection, files: list[ChorusFile]) -> None:
    """Complete each file's report from the merged rows and record it in the import history."""
    unknown = staging.unknown_codes(conn)
    totals = staging.totals(conn)
    found = _restated(conn)
    for chorus in files:
        _flag_restated(chorus, found.get(chorus.import_id, {}))
        _record(conn, chorus, unknown, totals)


def set_totals(chorus: ChorusFile, totals: dict) -> None:
    """Lines and sum of the file's rows in `totals` (import id → (count, sum), staging.totals)."""
    count, total = totals.get(chorus.import_id, (0, Decimal(0)))
    chorus.report.lignes_importees = count
    if chorus.kind == Kind.AE:
        chorus.report.somme_ae = total
    else:
        chorus.report.somme_cp = total


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
        detail = " ; ".join(f"{annee} : {euros(montant)}" for annee, montant in amounts)
        chorus.report.add("montant-ae-modifie", valeur=f"EJ {n_ej}, poste {poste}", detail=detail)
    if count > len(postes):
        chorus.report.count("montant-ae-modifie", count - len(postes))


def _record(conn: Connection, chorus: ChorusFile, unknown: dict, totals: dict) -> None:
    report = chorus.report
    import_id = chorus.import_id
    set_totals(chorus, totals)
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
