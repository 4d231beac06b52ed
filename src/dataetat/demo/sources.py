"""The demo's other sources, in their real file formats, drawn from the generated Chorus and SIRENE
files: ADEME aids, France 2030 laureates, fictitious QPVs (contours, SIRET → QPV, lieu de
l'action), Petites villes de demain and Action cœur de ville communes.

    sources = generate_sources(out_dir, files, seed)   # files: GeneratedFiles of demo.generate

Same arguments → byte-identical files. Formats copy the public files: ADEME CSV `,` UTF-8 with BOM
and CRLF; France 2030 CSV `,` with dot decimals and `NaN`; QPV lieu d'action CSV with BOM; PVD/ACV
quoted CSV with CRLF (dates jj/mm/aaaa and jj-mm-aaaa); SIRET → QPV CSV `;`; QPV GeoJSON with the
2024 properties (code_qp, lib_qp, insee_com…).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from dataetat.demo import qpv_fictifs as qf
from dataetat.demo import sources_noms as noms
from dataetat.demo.generator import GeneratedFiles
from dataetat.ingest import ademe, france2030

FONDS_VERT_SHARE = 0.2
ADEME_SIRET = "38529030900454"


@dataclass
class SourceFiles:
    ademe: Path
    france_2030: Path
    qpv: Path
    siret_qpv: Path
    qpv_lieu_action: Path
    pvd: Path
    acv: Path
    counts: dict[str, int] = field(default_factory=dict)  # data rows (features) written per file


def _bundled(table: str) -> pl.DataFrame:
    from dataetat.referentiels.bundled import load_bundled_table

    frame = load_bundled_table(table)
    if frame is None:
        raise FileNotFoundError(f"Référentiel embarqué absent : {table}")
    return frame


def _etablissements(files: GeneratedFiles) -> pl.DataFrame:
    """siret, siren, commune, nom, categorie of every establishment of the SIRENE extract."""
    etab = pl.read_csv(
        files.sirene_etablissements,
        infer_schema=False,
        columns=["siren", "siret", "codeCommuneEtablissement"],
    ).rename({"codeCommuneEtablissement": "commune"})
    ul = pl.read_csv(
        files.sirene_unites_legales,
        infer_schema=False,
        columns=[
            "siren",
            "denominationUniteLegale",
            "nomUniteLegale",
            "prenom1UniteLegale",
            "categorieJuridiqueUniteLegale",
        ],
    )
    person = pl.concat_str(
        [pl.col("nomUniteLegale"), pl.col("prenom1UniteLegale")], separator=" ", ignore_nulls=True
    )
    ul = ul.select(
        "siren",
        pl.coalesce(pl.col("denominationUniteLegale"), person).alias("nom"),
        pl.col("denominationUniteLegale").is_not_null().alias("morale"),
        pl.col("categorieJuridiqueUniteLegale").fill_null("").alias("categorie"),
    )
    return etab.join(ul, on="siren", how="left").filter(pl.col("nom").is_not_null()).sort("siret")


def _laureates(etab: pl.DataFrame) -> pl.DataFrame:
    """Who operators fund: legal persons other than the State's own services (catégorie 71xx)."""
    pool = etab.filter(pl.col("morale") & ~pl.col("categorie").str.starts_with("71"))
    return pool if pool.height else etab


def _write_csv(path: Path, header, rows, *, bom: bool = False, crlf: bool = False, final: bool = True) -> int:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n" if crlf else "\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(rows)
    text = buffer.getvalue()
    if not final:
        text = text.rstrip("\r\n")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return len(rows)


def _dates(rng: np.random.Generator, n: int, years: list[int]) -> np.ndarray:
    start, end = np.datetime64(f"{min(years)}-01-01"), np.datetime64(f"{max(years)}-12-31")
    return np.sort(start + rng.integers(0, int((end - start).astype(int)) + 1, n).astype("timedelta64[D]"))


def _amounts(rng: np.random.Generator, median: float, sigma: float, low: float, high: float) -> float:
    return float(np.clip(median * np.exp(sigma * rng.standard_normal()), low, high))


def write_ademe(etab: pl.DataFrame, path: Path, n: int, years: list[int], region: str, seed: int) -> int:
    rng = np.random.default_rng([seed, 70])
    pool = _laureates(etab)
    who = rng.integers(0, pool.height, n)
    dates = _dates(rng, n, years)
    fonds_vert = np.zeros(n, dtype=bool)
    fonds_vert[rng.permutation(n)[: round(FONDS_VERT_SHARE * n)]] = True
    direction = noms.ADEME_DIRECTIONS.get(region, f"R{region}")
    seq: dict[int, int] = {}
    rows = []
    for i in range(n):
        table = noms.ADEME_FONDS_VERT if fonds_vert[i] else noms.ADEME_OBJETS
        weights = np.array([t[1] for t in table], dtype=float)
        objet, _, median, sigma = table[rng.choice(len(table), p=weights / weights.sum())]
        montant = round(_amounts(rng, median, sigma, 5_000, 2_000_000), -2 if median > 10_000 else 0)
        day = dates[i]
        year = int(str(day)[:4])
        seq[year] = seq.get(year, 0) + int(rng.integers(1, 9))
        begin = day + int(rng.integers(3, 15))
        end = begin + int(rng.integers(240, 900))
        siret, nom = pool["siret"][int(who[i])], pool["nom"][int(who[i])]
        rows.append(
            (
                "ADEME",
                ADEME_SIRET,
                str(day),
                f"{year % 100:02d}{direction}{seq[year]:04d}",
                nom,
                siret,
                objet,
                str(int(montant)),
                "aide en numéraire",
                "Echelonné" if rng.random() < 0.8 else "Unique",
                f"{begin}_{end}",
                "",
                "OUI" if rng.random() < 0.08 else "NON",
                str(rng.choice(["1", "1", "0.8", "0.7", "0.5", "0.3"])),
            )
        )
    return _write_csv(path, ademe.COLUMNS, rows, bom=True, crlf=True, final=False)


def _typologie(rng: np.random.Generator, categorie: str) -> str:
    if categorie.startswith("72"):
        return "Collectivités territoriales"
    if categorie.startswith("7"):
        return "Établissements publics"
    if categorie.startswith("9"):
        return "Associations"
    return str(
        rng.choice(
            ["Petites et moyennes entreprises"] * 7
            + ["Entreprises de taille intermédiaire"] * 2
            + ["Grandes entreprises"]
        )
    )


def _decimal(value: float | None) -> str:
    return "NaN" if value is None else repr(round(value, 2))


def write_france2030(etab: pl.DataFrame, path: Path, n: int, years: list[int], region: str, seed: int) -> int:
    rng = np.random.default_rng([seed, 71])
    communes = _bundled("commune")
    regions = dict(_bundled("region").select("code", "label").iter_rows())
    others = communes.filter(
        (pl.col("code_region") != region) & pl.col("code_departement").str.contains(r"^\d{2}$")
    )
    pool = _laureates(etab)
    dates = _dates(rng, n, years)
    operateurs = [o for o, _ in noms.F2030_OPERATEURS]
    odds = np.array([w for _, w in noms.F2030_OPERATEURS])
    rows = []
    for i in range(n):
        b = pool.row(int(rng.integers(0, pool.height)), named=True)
        if rng.random() < 0.12 and others.height:
            other = others.row(int(rng.integers(0, others.height)), named=True)
            label, departement = regions.get(other["code_region"], ""), other["code_departement"]
        else:
            label, departement = regions.get(region, ""), b["commune"][:2]
        strategie, code, nomenclature = noms.F2030_STRATEGIES[
            int(rng.integers(0, len(noms.F2030_STRATEGIES)))
        ]
        total = round(_amounts(rng, 350_000, 1.2, 20_000, 30_000_000), int(rng.choice([-3, 0, 2])))
        kind = rng.random()
        subvention = total if kind < 0.7 else (None if kind < 0.85 else round(total * 0.6, 2))
        avance = None if kind < 0.7 else (total if kind < 0.85 else round(total - subvention, 2))
        projet = f"{rng.choice(noms.PROJET_DEBUTS)}{rng.choice(noms.PROJET_FINS)}"
        if rng.random() < 0.2:
            projet += f" {rng.choice(['2', 'BIS', 'II'])}"
        rows.append(
            (
                str(dates[i]),
                str(rng.choice(operateurs, p=odds)),
                str(rng.choice(noms.F2030_PROCEDURES)),
                projet,
                b["nom"],
                b["siret"],
                _typologie(rng, b["categorie"]),
                label,
                departement.zfill(3),
                "NaN",
                strategie,
                code,
                nomenclature,
                _decimal(subvention),
                _decimal(avance),
                _decimal(float(total)),
            )
        )
    return _write_csv(path, france2030.COLUMNS, rows)


def _quoted_csv(path: Path, header: list[str], rows: list[tuple[list[str], str]]) -> int:
    """PVD/ACV layout: every text cell quoted, the date unquoted, CRLF, no final line end."""
    lines = [",".join(f'"{h}"' for h in header)]
    lines += [",".join([*(f'"{c}"' for c in cells), date]) for cells, date in rows]
    path.write_bytes("\r\n".join(lines).encode("utf-8"))
    return len(rows)


def write_dispositifs(ranked: list[str], rings: dict, hosts: list[str], region: str, out: Path, seed: int):
    """About 15 Petites villes de demain among small communes, 4 Action cœur de ville among QPV hosts."""
    rng = np.random.default_rng([seed, 72])
    acv = hosts[1:5] if len(hosts) > 4 else hosts[:4]
    small = [c for c in ranked[20:200] if c not in hosts] or [c for c in ranked if c not in acv]
    pvd = sorted(rng.choice(small, size=min(15, len(small)), replace=False).tolist())
    ids: dict[str, int] = {}
    pvd_rows = []
    for code in pvd:
        ids[code[:2]] = ids.get(code[:2], 0) + int(rng.integers(1, 6))
        day = np.datetime64("2021-01-15") + int(rng.integers(0, 300))
        date = "" if rng.random() < 0.2 else f"{str(day)[8:10]}/{str(day)[5:7]}/{str(day)[:4]}"
        pvd_rows.append(([code, rings[code][0], f"pvd-{region}-{code[:2]}-{ids[code[:2]]}"], date))
    acv_rows = []
    for number, code in zip(
        sorted(rng.choice(np.arange(1, 235), size=len(acv), replace=False)), sorted(acv), strict=True
    ):
        day = np.datetime64("2018-09-10") + int(rng.integers(0, 60))
        date = f"{str(day)[8:10]}-{str(day)[5:7]}-{str(day)[:4]}"
        name = rings[code][0]
        acv_rows.append(([code, name, f"acv-{number:03d}", name], date))
    n_pvd = _quoted_csv(out / "pvd.csv", ["insee_com", "lib_com", "id_pvd", "date_signature"], pvd_rows)
    n_acv = _quoted_csv(
        out / "acv.csv", ["insee_com", "lib_com", "id_acv", "lib_acv", "date_signature"], acv_rows
    )
    return n_pvd, n_acv


def generate_sources(out_dir: Path, files: GeneratedFiles, seed: int = 53) -> SourceFiles:
    """Write the other sources' files of the demo next to the Chorus files."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    result = SourceFiles(
        out / "ademe.csv",
        out / "france_2030.csv",
        out / "qpv.geojson",
        out / "siret_qpv.csv",
        out / "qpv_lieu_action.csv",
        out / "pvd.csv",
        out / "acv.csv",
    )
    etab = _etablissements(files)
    communes = _bundled("commune").filter(pl.col("code_region") == files.region)
    rings = qf.region_rings(set(communes["code"].to_list()))
    density = etab.group_by("commune").len()
    ranked = (
        pl.DataFrame({"commune": sorted(rings)})
        .join(density, on="commune", how="left")
        .with_columns(pl.col("len").fill_null(0))
        .sort(["len", "commune"], descending=[True, False])["commune"]
        .to_list()
    )
    hosts = ranked[: len(qf.PER_HOST)]
    qpvs = qf.build_qpvs(hosts, rings, seed)
    departements = dict(_bundled("departement").select("code", "label").iter_rows())
    region_label = dict(_bundled("region").select("code", "label").iter_rows()).get(files.region, "")
    qf.write_geojson(qpvs, result.qpv, files.region, region_label, departements)
    years, lignes = files.exercices, files.lignes
    result.counts = {
        "ademe": write_ademe(etab, result.ademe, max(10, lignes // 200), years, files.region, seed),
        "france_2030": write_france2030(
            etab, result.france_2030, max(5, lignes // 1000), years, files.region, seed
        ),
        "qpv": len(qpvs),
        "siret_qpv_en_qpv": qf.write_siret_qpv(etab, qpvs, result.siret_qpv, seed),
        "siret_qpv": etab.height,
        "qpv_lieu_action": qf.write_lieu_action(
            qf.read_ae_ejs(files.ae, files.exercices), qpvs, result.qpv_lieu_action, seed
        ),
    }
    result.counts["pvd"], result.counts["acv"] = write_dispositifs(
        ranked, rings, hosts, files.region, out, seed
    )
    return result
