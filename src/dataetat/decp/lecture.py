"""Read a DECP file into one long frame of strings: one row per (marché, titulaire, state).

The regulatory JSON (`{"marches": {"marche": [...]}}`, v2; the 2019 form `{"marches": [...]}` too)
and XML are turned into the shape of the consolidated tabular file, which already has one row per
(marché, titulaire, modification state): state 0 is the marché as notified, state k its k-th
modification, whose montant, durée and titulaires carry forward to the next states when the
modification does not change them. Every value stays a string (SIRETs keep their leading zeros);
`nettoyage` then types them.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl

from dataetat.ingest.problems import FileUnreadable, Report

# Canonical columns of the long frame (snake_case), from the consolidated file's names.
TABULAIRE: dict[str, str] = {
    "uid": "uid",
    "id": "id",
    "nature": "nature",
    "acheteur_id": "acheteur_id",
    "acheteur_nom": "acheteur_nom",
    "titulaire_id": "titulaire_id",
    "titulaire_typeIdentifiant": "titulaire_type_identifiant",
    "titulaire_nom": "titulaire_nom",
    "titulaire_denominationSociale": "titulaire_nom",  # older flat form (decp-table-schema)
    "objet": "objet",
    "montant": "montant",
    "codeCPV": "code_cpv",
    "procedure": "procedure",
    "techniques": "techniques",
    "dureeMois": "duree_mois",
    "offresRecues": "offres_recues",
    "dateNotification": "date_notification",
    "datePublicationDonnees": "date_publication",
    "formePrix": "forme_prix",
    "typesPrix": "types_prix",
    "attributionAvance": "attribution_avance",
    "tauxAvance": "taux_avance",
    "marcheInnovant": "marche_innovant",
    "modalitesExecution": "modalites_execution",
    "considerationsSociales": "considerations_sociales",
    "considerationsEnvironnementales": "considerations_environnementales",
    "ccag": "ccag",
    "sousTraitanceDeclaree": "sous_traitance_declaree",
    "typeGroupementOperateurs": "type_groupement",
    "origineUE": "origine_ue",
    "origineFrance": "origine_france",
    "lieuExecution_code": "lieu_code",
    "lieuExecution_typeCode": "lieu_type_code",
    "idAccordCadre": "id_accord_cadre",
    "acheteur_commune_code": "acheteur_commune_code",
    "titulaire_commune_code": "titulaire_commune_code",
    "titulaire_categorie": "titulaire_categorie",
    "modification_id": "modification_id",
    "donneesActuelles": "donnees_actuelles",
    "sourceDataset": "source",
    "source": "source",  # older flat form
}
CANON = list(dict.fromkeys(TABULAIRE.values())) + ["date_modification", "ligne_fichier"]
# Columns a tabular file must have (the others may be absent: left empty).
REQUISES = ("id", "acheteur_id", "objet", "montant", "dateNotification", "titulaire_id")
# Derived columns of the consolidated file, recomputed here from the referentials: accepted, not read.
DERIVEES = {
    "type", "dureeRestanteMois", "titulaire_distance", "sourceFile", "lieuExecution_nom", "objetModification",
    "anomalies", "acheteur_categorie", "titulaire_commune_nom",
} | {
    f"{who}_{what}"
    for who in ("acheteur", "titulaire")
    for what in (
        "commune_nom", "departement_code", "departement_nom", "region_code", "region_nom", "latitude", "longitude",
    )
}  # fmt: skip


def read(path: Path, report: Report) -> pl.DataFrame:
    """The long frame of a file (format from its extension, else its first byte)."""
    suffix = path.suffix.lower()
    with open(path, "rb") as f:
        head = f.read(512).lstrip(b"\xef\xbb\xbf \r\n\t")
    if not head:
        report.add("fichier-vide")
        raise FileUnreadable(report)
    if suffix == ".parquet" or head.startswith(b"PAR1"):
        report.format = "DECP consolidé (Parquet)"
        return _tabular(pl.read_parquet(path), report)
    if suffix == ".json" or head.startswith((b"{", b"[")):
        report.format = "DECP JSON"
        return _records(_json_records(path, report), report)
    if suffix == ".xml" or head.startswith(b"<"):
        report.format = "DECP XML"
        return _records(_xml_records(path, report), report)
    report.format = "DECP consolidé (CSV)"
    first = head.split(b"\n")[0]
    separator = ";" if first.count(b";") > first.count(b",") else ","
    try:
        header = pl.read_csv(path, separator=separator, infer_schema=False, n_rows=0).columns
        # Only the columns the import reads (the derived ones are recomputed): less to parse.
        wanted = [c for c in header if c in TABULAIRE] if set(REQUISES) <= set(header) else None
        frame = pl.read_csv(path, separator=separator, infer_schema=False, encoding="utf8", columns=wanted)
    except (pl.exceptions.ComputeError, UnicodeDecodeError) as e:
        report.add("format-inconnu", detail=f"CSV illisible ({str(e).splitlines()[0][:200]})")
        raise FileUnreadable(report) from e
    for name in header:
        if name not in TABULAIRE and name not in DERIVEES:
            report.add("decp-ignore", colonne=name, detail=f"Colonne « {name} » inconnue du format : ignorée")
    return _tabular(frame, report, check_columns=False)


def _tabular(frame: pl.DataFrame, report: Report, check_columns: bool = True) -> pl.DataFrame:
    missing = [c for c in REQUISES if c not in frame.columns]
    for name in missing:
        report.add("colonne-manquante", colonne=name)
    if missing:
        raise FileUnreadable(report)
    for name in frame.columns if check_columns else []:
        if name not in TABULAIRE and name not in DERIVEES:
            report.add("decp-ignore", colonne=name, detail=f"Colonne « {name} » inconnue du format : ignorée")
    frame = frame.with_columns(pl.all().cast(pl.Utf8))
    chosen = {}
    for name, canon in TABULAIRE.items():
        if name in frame.columns and canon not in chosen:
            chosen[canon] = pl.col(name)
    header_lines = 1
    return frame.select(
        *(chosen.get(c, pl.lit(None, pl.Utf8)).alias(c) for c in CANON if c not in ("ligne_fichier",)),
        (pl.int_range(pl.len(), dtype=pl.Int64) + 1 + header_lines).alias("ligne_fichier"),
    )


# --- JSON and XML ---------------------------------------------------------------------------


def _json_records(path: Path, report: Report) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_bytes())
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as e:
        report.add("format-inconnu", detail=f"JSON illisible ({str(e)[:200]})")
        raise FileUnreadable(report) from e
    return _marches_of(data, report)


def _marches_of(data: Any, report: Report) -> list[dict[str, Any]]:
    root = data.get("marches") if isinstance(data, dict) else None
    if isinstance(root, list):  # 2019 form: {"marches": [...]} with "_type"
        kept = [
            m for m in root if isinstance(m, dict) and m.get("_type", "Marché") != "Contrat de concession"
        ]
        _concessions(report, len(root) - len(kept))
        return kept
    if not isinstance(root, dict):
        report.add("format-inconnu", detail="attendu un objet « marches » (format DECP 2.0)")
        raise FileUnreadable(report)
    marches = root.get("marche") or []
    marches = marches if isinstance(marches, list) else [marches]
    concessions = root.get("contrat-concession") or []
    _concessions(report, len(concessions) if isinstance(concessions, list) else 1)
    return [m for m in marches if isinstance(m, dict)]


def _concessions(report: Report, n: int) -> None:
    if n:
        report.add(
            "decp-ignore",
            colonne="contrat-concession",
            detail=f"{n} contrat(s) de concession non importé(s) : seuls les marchés le sont",
        )


def _xml_records(path: Path, report: Report) -> list[dict[str, Any]]:
    text = path.read_bytes()
    if b"<!DOCTYPE" in text[:4096].upper() or b"<!ENTITY" in text.upper():
        report.add("format-inconnu", detail="XML avec DOCTYPE ou entités : refusé")
        raise FileUnreadable(report)
    try:
        root = ET.fromstring(text)
    except ET.ParseError as e:
        report.add("format-inconnu", detail=f"XML illisible ({e})")
        raise FileUnreadable(report) from e
    data = {"marches": {"marche": [], "contrat-concession": []}}
    for child in root:
        if child.tag in ("marche", "contrat-concession"):
            data["marches"][child.tag].append(_xml_value(child))
    return _marches_of(data, report)


def _xml_value(element: ET.Element) -> Any:
    children = list(element)
    if not children:
        return (element.text or "").strip()
    result: dict[str, Any] = {}
    for child in children:
        value = _xml_value(child)
        if child.tag in result:
            previous = result[child.tag]
            result[child.tag] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            result[child.tag] = value
    return result


def items(value: Any, key: str) -> list[Any]:
    """A DECP list in any of its forms: `[{key: x}, …]` (JSON 2.0), `{key: [x, …]}` (typesPrix, XML),
    `{key: x}`, a plain list (2019 form) or a single value."""
    if value is None or value == "":
        return []
    if isinstance(value, dict) and key in value:
        value = value[key]
    values = value if isinstance(value, list) else [value]
    return [v[key] if isinstance(v, dict) and key in v and len(v) == 1 else v for v in values]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, (list, dict)):
        return None
    return str(value)


def _joined(value: Any, key: str) -> str | None:
    values = [str(v) for v in items(value, key) if v not in (None, "")]
    return ", ".join(values) if values else None


def _titulaires(value: Any) -> list[tuple[str | None, str | None, str | None]]:
    result = []
    for t in items(value, "titulaire"):
        if isinstance(t, dict):
            nom = t.get("denominationSociale") or t.get("nom")
            result.append((_text(t.get("id")), _text(t.get("typeIdentifiant")), _text(nom)))
    return result


# Keys of a DECP marché read as they are, each into its column of TABULAIRE (the consolidated file
# names its columns after them).
_TEXTES = (
    "id nature objet codeCPV procedure offresRecues dateNotification datePublicationDonnees formePrix "
    "attributionAvance tauxAvance marcheInnovant ccag sousTraitanceDeclaree typeGroupementOperateurs "
    "origineUE origineFrance idAccordCadre"
).split()
# Lists of the DECP format joined into one column: key of the list → key of each of its items.
_LISTES = {
    "techniques": "technique",
    "typesPrix": "typePrix",
    "modalitesExecution": "modaliteExecution",
    "considerationsSociales": "considerationSociale",
    "considerationsEnvironnementales": "considerationEnvironnementale",
}


def _records(marches: list[dict[str, Any]], report: Report) -> pl.DataFrame:
    rows = list(_record_rows(marches))
    report.lignes_lues = len(marches)
    return pl.DataFrame(
        rows,
        schema={c: pl.Utf8 for c in CANON if c != "ligne_fichier"} | {"ligne_fichier": pl.Int64},
        orient="row",
    )


def _record_rows(marches: list[dict[str, Any]]) -> Iterator[list[Any]]:
    """One row per (marché, titulaire, state); `ligne_fichier` is the marché's rank in the file."""
    for rank, m in enumerate(marches, 1):
        acheteur = m.get("acheteur") if isinstance(m.get("acheteur"), dict) else {}
        lieu = m.get("lieuExecution") if isinstance(m.get("lieuExecution"), dict) else {}
        base = {
            **{TABULAIRE[key]: _text(m.get(key)) for key in _TEXTES},
            **{TABULAIRE[key]: _joined(m.get(key), item) for key, item in _LISTES.items()},
            "acheteur_id": _text(acheteur.get("id")),
            "acheteur_nom": _text(acheteur.get("nom")),
            "lieu_code": _text(lieu.get("code")),
            "lieu_type_code": _text(lieu.get("typeCode")),
        }
        state = {
            "montant": _text(m.get("montant")),
            "duree_mois": _text(m.get("dureeMois")),
            "titulaires": _titulaires(m.get("titulaires")) or [(None, None, None)],
            "date_modification": None,
            "date_publication_modification": None,
        }
        mods = [x for x in items(m.get("modifications"), "modification") if isinstance(x, dict)]
        mods.sort(key=lambda x: _rank(x.get("id")))
        states = [(0, dict(state))]
        for k, mod in enumerate(mods, 1):
            state = dict(state)
            for key in ("montant", "dureeMois"):  # what a modification does not give carries forward
                if mod.get(key) not in (None, ""):
                    state[TABULAIRE[key]] = _text(mod.get(key))
            if titulaires := _titulaires(mod.get("titulaires")):
                state["titulaires"] = titulaires
            state["date_modification"] = _text(mod.get("dateNotificationModification"))
            states.append((k, state))
        last = len(states) - 1
        for k, s in states:
            for tid, ttype, tnom in s["titulaires"]:
                row = base | {
                    "titulaire_id": tid,
                    "titulaire_type_identifiant": ttype,
                    "titulaire_nom": tnom,
                    "montant": s["montant"],
                    "duree_mois": s["duree_mois"],
                    "modification_id": str(k),
                    "donnees_actuelles": "oui" if k == last else "non",
                    "date_modification": s["date_modification"],
                    "ligne_fichier": rank,
                }
                yield [row.get(c) for c in CANON]


def _rank(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
