"""The tabular (consolidated) form of DECP: one row per marché × titulaire (× modification), as the
consolidated `decp.csv` / `decp.parquet` publish it (`acheteur_id`, `titulaire_id`,
`titulaire_typeIdentifiant`, `codeCPV`, `dateNotification`…). Same report, same codes, same rules
as the JSON form where a column carries them; a record is a row (`index` 0 = the first data row,
`chemin` `/lignes/<line number in the file>/<column>`).

CSV (`,` or `;`, UTF-8 with or without BOM) is read with the csv module, Parquet batch by batch
with pyarrow: constant memory."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from typing import IO, Any

from dataetat.decp.validation.rapport import Constat, Rapport, Resultat, constat
from dataetat.decp.validation.regles import (
    CPV_DIVISIONS,
    DUREE_MAX,
    SEUIL_PUBLICATION,
    lire_date,
    siret_cle_fausse,
)
from dataetat.model.format_fr import euros

SCHEMA_TABULAIRE_ID = "decp-tabulaire"
OBLIGATOIRES = (
    "id",
    "acheteur_id",
    "montant",
    "dateNotification",
    "codeCPV",
    "titulaire_id",
    "titulaire_typeIdentifiant",
)
TYPES_IDENTIFIANT = {"SIRET", "TVA", "TAHITI", "RIDET", "FRWF", "IREP", "HORS-UE"}
_CPV_LEN = (8, 10)


def valider_tabulaire(
    flux: IO[bytes], *, nom: str = "", aujourd_hui: date | None = None, max_details: int | None = None
) -> Rapport:
    """Validate a consolidated DECP CSV or Parquet file (detected: Parquet starts with `PAR1`)."""
    rapport = Rapport(fichier=nom, schema=SCHEMA_TABULAIRE_ID)
    if max_details is not None:
        rapport.max_details = max_details
    today = aujourd_hui or date.today()
    head = flux.read(4)
    flux.seek(0)
    if not head.strip():
        rapport.erreur_fichier("fichier-vide")
        return rapport
    rapport.format = "parquet" if head == b"PAR1" else "csv"
    try:
        rows = _parquet(flux, rapport) if rapport.format == "parquet" else _csv(flux, rapport)
        vus: set[int] = set()
        for index, (ligne, row) in enumerate(rows):
            found = _ligne(row, ligne, today, vus)
            rapport.ajouter(Resultat(index, "marche", row.get("id") or None, found))
    except (csv.Error, UnicodeDecodeError, ValueError, OSError) as exc:
        rapport.erreur_fichier("tableau-illisible", str(exc)[:300])
    if rapport.enregistrements == 0 and not rapport.fichier_constats:
        rapport.erreur_fichier("aucun-enregistrement")
    return rapport


def _csv(flux: IO[bytes], rapport: Rapport) -> Iterator[tuple[int, dict[str, Any]]]:
    text = io.TextIOWrapper(flux, encoding="utf-8-sig", newline="")
    first = text.readline()
    sep = ";" if first.count(";") > first.count(",") else ","
    header = next(csv.reader([first], delimiter=sep), [])
    if not _colonnes(header, rapport):
        return
    for n, values in enumerate(csv.reader(text, delimiter=sep), 2):
        if values:
            yield n, dict(zip(header, values, strict=False))


def _parquet(flux: IO[bytes], rapport: Rapport) -> Iterator[tuple[int, dict[str, Any]]]:
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(flux)
    if not _colonnes(pf.schema_arrow.names, rapport):
        return
    n = 1
    for batch in pf.iter_batches(batch_size=10_000):
        for row in batch.to_pylist():
            n += 1
            yield n, row


def _colonnes(header: list[str], rapport: Rapport) -> bool:
    missing = [c for c in OBLIGATOIRES if c not in header]
    for c in missing:
        rapport.erreur_fichier("colonne-manquante", c, chemin=f"/colonnes/{c}")
    return not missing


def _ligne(row: dict[str, Any], ligne: int, today: date, vus: set[int]) -> list[Constat]:
    out: list[Constat] = []

    def at(col: str) -> str:
        return f"/lignes/{ligne}/{col}"

    def text(col: str) -> str:
        v = row.get(col)
        return "" if v is None else str(v).strip()

    for col in OBLIGATOIRES:
        if not text(col):
            out.append(constat("champ-manquant", at(col), col))
    acheteur = text("acheteur_id")
    if acheteur and not (len(acheteur) == 14 and acheteur.isdigit()):
        out.append(
            constat("format-invalide", at("acheteur_id"), "acheteur_id", acheteur, "14 chiffres (SIRET)")
        )
    elif acheteur and (wrong := siret_cle_fausse(acheteur)):
        out.append(constat("siret-cle", at("acheteur_id"), "acheteur_id", acheteur, wrong))
    kind, titulaire = text("titulaire_typeIdentifiant"), text("titulaire_id")
    if kind and kind not in TYPES_IDENTIFIANT:
        out.append(
            constat(
                "valeur-hors-liste",
                at("titulaire_typeIdentifiant"),
                "titulaire_typeIdentifiant",
                kind,
                ", ".join(sorted(TYPES_IDENTIFIANT)),
            )
        )
    if kind == "SIRET" and titulaire:
        if not (len(titulaire) == 14 and titulaire.isdigit()):
            out.append(constat("siret-format", at("titulaire_id"), "titulaire_id", titulaire))
        elif wrong := siret_cle_fausse(titulaire):
            out.append(constat("siret-cle", at("titulaire_id"), "titulaire_id", titulaire, wrong))
    cpv = text("codeCPV")
    if cpv:
        if not (
            len(cpv) in _CPV_LEN
            and cpv[:8].isdigit()
            and (len(cpv) == 8 or (cpv[8] == "-" and cpv[9].isdigit()))
        ):
            out.append(
                constat("format-invalide", at("codeCPV"), "codeCPV", cpv, "le motif ^[0-9]{8}(-[0-9])?$")
            )
        elif cpv[:2] not in CPV_DIVISIONS:
            out.append(constat("cpv-inconnu", at("codeCPV"), "codeCPV", cpv, cpv[:2]))
    _dates(row, text, at, today, out)
    _nombres(text, at, out)
    key = hash(
        (text("acheteur_id"), text("id"), titulaire, text("modification_id"), text("dateNotification"))
    )
    if text("id") and key in vus:
        out.append(constat("id-duplique", at("id"), "id", text("id"), acheteur))
    vus.add(key)
    return out


def _dates(row, text, at, today: date, out: list[Constat]) -> None:
    found: dict[str, date] = {}
    for col in ("dateNotification", "datePublicationDonnees"):
        raw = row.get(col)
        value = raw.isoformat() if isinstance(raw, date) else text(col)
        if not value:
            continue
        d = lire_date(value[:10] if isinstance(raw, date) else value)
        if d is None:
            out.append(constat("date-invalide", at(col), col, value))
        elif d > today:
            out.append(constat("date-future", at(col), col, value, today.isoformat()))
        else:
            found[col] = d
    notif, publi = found.get("dateNotification"), found.get("datePublicationDonnees")
    if notif and publi and notif > publi:
        out.append(
            constat(
                "dates-ordre",
                at("dateNotification"),
                "dateNotification",
                notif.isoformat(),
                f"« datePublicationDonnees » ({publi.isoformat()})",
            )
        )


def _nombres(text, at, out: list[Constat]) -> None:
    raw = text("montant")
    if raw:
        try:
            montant = float(raw.replace(",", "."))
        except ValueError:
            out.append(constat("type-invalide", at("montant"), "montant", raw, "un nombre"))
        else:
            if montant < 1:
                out.append(constat("montant-minimum", at("montant"), "montant", raw, "1"))
            elif montant < SEUIL_PUBLICATION:
                out.append(
                    constat(
                        "montant-sous-seuil",
                        at("montant"),
                        "montant",
                        raw,
                        euros(montant, centimes_nuls=False),
                    )
                )
    raw = text("dureeMois")
    if raw:
        try:
            duree = float(raw)
            if not duree.is_integer():
                raise ValueError
        except ValueError:
            out.append(constat("type-invalide", at("dureeMois"), "dureeMois", raw, "un nombre entier"))
        else:
            if duree < 1:
                out.append(constat("valeur-minimum", at("dureeMois"), "dureeMois", raw, "1"))
            elif duree > DUREE_MAX["marche"]:
                out.append(
                    constat(
                        "duree-improbable",
                        at("dureeMois"),
                        "dureeMois",
                        raw,
                        f"plus de {DUREE_MAX['marche']} mois",
                    )
                )
