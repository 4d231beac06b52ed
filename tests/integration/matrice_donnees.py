"""Data of the authorisation matrix (test_matrice_autorisations.py): accounts of every kind, Chorus
lines of régions 53 and 52 with distinctive markers, beneficiaries, import and export jobs, saved
searches shared both ways — built through the app itself (login, upload, API) — and the reading
of any answer (JSON, HTML, CSV, XLSX, ODS, Parquet) as text for the leak check."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook
from tests.factories import ae_row, cp_row, write_ae, write_cp

from dataetat.auth import passwords
from dataetat.jobs.execution import run_pending
from dataetat.query.columns import COLONNES
from dataetat.store import comptes, taches
from dataetat.store.beneficiaires import import_sirene
from dataetat.store.sources_import import import_source
from dataetat.web import csrf

PASSWORD = "matrice des autorisations 2024"
ANONYME, USERS53, USERS52, NAT, COMPTABLE53, ADMIN = (
    "anonyme",
    "users53",
    "users52",
    "nat",
    "comptable53",
    "admin",
)
IDENTITES = (ANONYME, USERS53, USERS52, NAT, COMPTABLE53, ADMIN)
CONNECTES = IDENTITES[1:]
COMPTES = {  # identity → (e-mail, role, région)
    USERS53: ("agent.53@exemple.gouv.fr", "USERS", "53"),
    USERS52: ("agent.52@exemple.gouv.fr", "USERS", "52"),
    NAT: ("agent.nat@exemple.gouv.fr", "USERS", None),
    COMPTABLE53: ("comptable.53@exemple.gouv.fr", "COMPTABLE", "53"),
    ADMIN: ("admin@exemple.gouv.fr", "ADMIN", None),
}
REGION = {qui: COMPTES[qui][2] if qui in COMPTES else None for qui in IDENTITES}
JETABLE = "compte.jetable@exemple.gouv.fr"  # an account the ADMIN changes and disables
COLLEGUE = "collegue.hors.matrice@exemple.gouv.fr"  # a recipient who is none of the identities
TOUTES_COLONNES = ",".join(c.code for c in COLONNES)


@dataclass(frozen=True)
class Region:
    """One région's lines: two engagements (the first paid once), an orphan payment, a rejected row."""

    code: str
    n_ej: tuple[str, str]
    n_dp: str  # the payment of the first engagement
    n_dp_orphelin: str
    rejete: str  # n_ej of a row with an unreadable amount (kept in lignes-ecartees.csv)
    sirets: tuple[str, str]
    noms: tuple[str, str]  # SIRENE names of the beneficiaries
    communes: tuple[str, str]
    montants_ae: tuple[str, str]
    montant_cp: str
    montant_orphelin: str
    fichier: str  # a word in the names of the uploaded files
    loc: str
    # EJ numbers both régions use (issue 15 item 3): EJ_COMMUN has AE in both, paid in both;
    # EJ_COMMUN_53 has AE in 53 only, paid in both (52's payment stays an orphan of 52).
    commun_ae: str
    commun_dp: str
    commun_cp: str
    commun2_dp: str
    commun2_cp: str
    commun2_ae: str | None = None

    def marqueurs(self) -> tuple[str, ...]:
        """Texts that only this région's data puts in an answer (compared in lower case)."""
        return (
            *self.n_ej,
            self.n_dp,
            self.n_dp_orphelin,
            self.rejete,
            *self.sirets,
            *self.noms,
            self.fichier,
            self.commun_dp,
            self.commun2_dp,
        )

    def montants_ae_tous(self) -> tuple[str, ...]:
        return (*self.montants_ae, self.commun_ae, *([self.commun2_ae] if self.commun2_ae else []))

    def montants_cp_tous(self) -> tuple[str, ...]:
        """Every payment of the région's CP file (the rejected row is in the AE file)."""
        return (self.montant_cp, self.montant_orphelin, self.commun_cp, self.commun2_cp)

    def chiffres(self) -> tuple[str, ...]:
        """The engagements' and the shared EJs' payments' amounts as digits only, to find them however
        formatted (86 420,97 €, 86420.97, 86420,97)."""
        amounts = (*self.montants_ae_tous(), self.commun_cp, self.commun2_cp)
        return tuple(re.sub(r"\D", "", m) for m in amounts)


R53 = Region(
    "53",
    ("5300001", "5300002"),
    "5390001",
    "5399001",
    "5300009",
    ("21350238800019", "77567227200015"),
    ("ASTERIX ARMORIQUE", "OBELIX MENHIRS"),
    ("35238", "29019"),
    ("135792.46", "24681.35"),
    "1111.11",
    "333.33",
    "chorus-r53x",
    "N5335238",
    "417293.58",
    "5390021",
    "36912.47",
    "5390022",
    "58273.16",
    "629384.75",
)
R52 = Region(
    "52",
    ("5200001", "5200002"),
    "5290001",
    "5299001",
    "5200009",
    ("21440109300015", "52345678900012"),
    ("ZORGLUB LIGERIEN", "ZOGZOG ATLANTIQUE"),
    ("44109", "49007"),
    ("864209.75", "97531.86"),
    "2222.22",
    "444.44",
    "chorus-r52x",
    "N5244109",
    "731846.29",
    "5290021",
    "47125.83",
    "5290022",
    "19384.62",
)
REGIONS = {"53": R53, "52": R52}
EJ_COMMUN, EJ_COMMUN_53 = "9900001", "9900002"  # the same numbers in both régions' files

# An ADEME aid whose beneficiary is not geolocated (no SIRENE entry): of unknown région, seen by
# national identities only (issue 11 item 8). Its markers must reach no regional identity.
INCONNUE_SIRET, INCONNUE_NOM = "44306184100047", "PANORAMIX SANS ADRESSE"
INCONNUE_REFERENCE = "22XYZ0042"


def ademe(folder: Path) -> Path:
    path = folder / "ademe-matrice.csv"
    path.write_text(
        "Nom de l attribuant,idAttribuant,dateConvention,referenceDecision,nomBeneficiaire,idBeneficiaire,"
        "objet,montant,nature,conditionsVersement,datesPeriodeVersement,idRAE,notificationUE,"
        "pourcentageSubvention\n"
        f"ADEME,38529030900454,2023-05-05,{INCONNUE_REFERENCE},{INCONNUE_NOM},{INCONNUE_SIRET},"
        "Potion magique,8642,aide en numéraire,Echelonné,2023-05-11_2024-01-05,,NON,1\n",
        "utf-8",
    )
    return path


def fuites_inconnue(text: str) -> list[str]:
    """The markers of the line of unknown région found in `text`."""
    lower = text.lower()
    return [m for m in (INCONNUE_SIRET, INCONNUE_NOM, INCONNUE_REFERENCE) if m.lower() in lower]


def fichiers(r: Region, folder: Path) -> tuple[Path, Path]:
    ae = [
        ae_row(r.n_ej[0], 1, r.montants_ae[0], siret=r.sirets[0], loc=r.loc),
        ae_row(r.n_ej[1], 1, r.montants_ae[1], siret=r.sirets[1], loc=r.loc),
        ae_row(r.rejete, 1, "illisible", siret=r.sirets[0], loc=r.loc),
        ae_row(EJ_COMMUN, 1, r.commun_ae, siret=r.sirets[1], loc=r.loc),
        *([ae_row(EJ_COMMUN_53, 1, r.commun2_ae, siret=r.sirets[0], loc=r.loc)] if r.commun2_ae else []),
    ]
    cp = [
        cp_row(r.n_ej[0], 1, r.n_dp, r.montant_cp, siret=r.sirets[0], loc=r.loc),
        cp_row("#", "#", r.n_dp_orphelin, r.montant_orphelin, siret=r.sirets[1], loc=r.loc),
        cp_row(EJ_COMMUN, 1, r.commun_dp, r.commun_cp, siret=r.sirets[1], loc=r.loc),
        cp_row(EJ_COMMUN_53, 1, r.commun2_dp, r.commun2_cp, siret=r.sirets[0], loc=r.loc),
    ]
    return (
        write_ae(folder / f"ae-{r.fichier}.csv", ae, exercice=2023),
        write_cp(folder / f"cp-{r.fichier}.csv", cp, exercice=2023),
    )


def sirene(folder: Path) -> list[Path]:
    rows = [
        (s, commune, nom)
        for r in REGIONS.values()
        for s, commune, nom in zip(r.sirets, r.communes, r.noms, strict=True)
    ]
    etab, ul = folder / "StockEtablissement_utf8.csv", folder / "StockUniteLegale_utf8.csv"
    etab.write_text(
        "siren,nic,siret,codeCommuneEtablissement,denominationUsuelleEtablissement\n"
        + "".join(f"{s[:9]},{s[9:]},{s},{commune},\n" for s, commune, _ in rows),
        "utf-8",
    )
    ul.write_text(
        "siren,categorieJuridiqueUniteLegale,denominationUniteLegale\n"
        + "".join(f"{s[:9]},5710,{nom}\n" for s, _, nom in rows),
        "utf-8",
    )
    return [etab, ul]


def creer_comptes(engine, _folder) -> None:
    hashed = passwords.hash_password(PASSWORD)
    with engine.begin() as conn:
        for email, role, region in COMPTES.values():
            comptes.create(conn, email, role, region, hashed)
        comptes.create(conn, JETABLE, "USERS", "53", hashed)


def jeton(client: TestClient, url: str = "/connexion") -> str:
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def connecter(client: TestClient, qui: str) -> TestClient:
    data = {csrf.FIELD: jeton(client), "email": COMPTES[qui][0], "mot_de_passe": PASSWORD, "suite": ""}
    response = client.post("/connexion", data=data, follow_redirects=False)
    assert response.status_code == 303, f"connexion de {qui} refusée : {response.status_code}"
    return client


@dataclass
class Donnees:
    ids: dict[str, int] = field(default_factory=dict)


def _televerser(client: TestClient, region: Region, folder: Path) -> None:
    ae, cp = fichiers(region, folder)
    data = {csrf.FIELD: jeton(client, "/televersement"), "region": region.code, "garder_valides": "oui"}
    files = {
        "fichier_ae": (ae.name, ae.read_bytes(), "text/csv"),
        "fichier_cp": (cp.name, cp.read_bytes(), "text/csv"),
    }
    response = client.post("/televersement", data=data, files=files, follow_redirects=False)
    assert response.status_code == 303, response.text


def remplir(app, engine, clients: dict[str, TestClient], folder: Path) -> Donnees:
    """Région 53 uploaded by COMPTABLE 53, région 52 by ADMIN (both keeping the valid rows: each
    import job has its lignes-ecartees.csv), SIRENE, then per identity an export job (XLSX, every
    column) and two throwaway ones, a saved search and two throwaway ones; USERS 52 and USERS 53
    share their search with each other."""
    settings = app.state.settings
    d = Donnees()
    _televerser(clients[COMPTABLE53], R53, folder)
    _televerser(clients[ADMIN], R52, folder)
    assert run_pending(engine, settings.dossier_exports) == 2
    count, _ = import_sirene(engine, sirene(folder))
    assert count == 4
    assert import_source(engine, "ademe", ademe(folder)).written
    with engine.connect() as conn:
        for qui in (COMPTABLE53, ADMIN):
            (job,) = taches.list_of(conn, COMPTES[qui][0], "import")
            assert job.statut == taches.TERMINEE and job.resultat["rejets"], job
            d.ids[f"import:{qui}"] = job.id
        lines = conn.exec_driver_sql("SELECT n_ej, n_dp, source_region, source, id FROM ligne")
        for n_ej, n_dp, region, source, line_id in lines:
            for r in REGIONS.values():
                if n_ej == r.n_ej[0]:
                    d.ids[f"ligne:{r.code}"] = line_id
                elif n_dp == r.n_dp_orphelin:
                    d.ids[f"orphelin:{r.code}"] = line_id
                elif n_ej == EJ_COMMUN and region == r.code:
                    d.ids[f"commun:{r.code}"] = line_id
                elif n_dp == r.commun2_dp:
                    d.ids[f"orphelin-commun:{r.code}"] = line_id
            if source == "ADEME":
                d.ids["aide:inconnue"] = line_id
        d.ids["compte:jetable"] = comptes.by_email(conn, JETABLE).id
    # 52's payment of EJ_COMMUN_53 is an orphan of 52, 53's joins 53's AE line.
    assert set(d.ids) == {
        *(f"{k}:{r}" for k in ("ligne", "orphelin", "commun") for r in REGIONS),
        "orphelin-commun:52",
        "aide:inconnue",
        "import:comptable53",
        "import:admin",
        "compte:jetable",
    }, d.ids
    for qui in CONNECTES:
        client = clients[qui]
        for name, fmt in (("export", "xlsx"), ("export-jetable-api", "csv"), ("export-jetable-page", "csv")):
            queued = client.post(f"/api/v1/exports/lignes.{fmt}", params={"colonnes": TOUTES_COLONNES})
            assert queued.status_code == 202, queued.text
            d.ids[f"{name}:{qui}"] = queued.json()["id"]
        for name in ("recherche", "recherche-jetable-api", "recherche-jetable-page"):
            body = {"nom": f"{name} de {qui}", "recherche": {"annee_min": 2023, "vue": "tableau"}}
            saved = client.post("/api/v1/recherches", json=body)
            assert saved.status_code == 201, saved.text
            d.ids[f"{name}:{qui}"] = saved.json()["id"]
    assert run_pending(engine, settings.dossier_exports) == 3 * len(CONNECTES)
    for owner, recipient in ((USERS52, USERS53), (USERS53, USERS52)):
        shared = clients[owner].post(
            f"/api/v1/recherches/{d.ids[f'recherche:{owner}']}/partages",
            json={"emails": [COMPTES[recipient][0]]},
        )
        assert shared.status_code == 200, shared.text
    return d


def texte(response) -> str:
    """The answer as text: JSON, HTML and CSV as they are; spreadsheets and Parquet cell by cell."""
    kind = response.headers.get("content-type", "")
    content = response.content
    if "spreadsheetml" in kind:
        book = load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(
            " ".join("" if v is None else str(v) for v in row)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
        )
    if "opendocument" in kind:
        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
        return "\n".join(
            " ".join(str(v) for v in row)
            for name in book.sheet_names
            for row in book.get_sheet_by_name(name).to_python()
        )
    if content[:4] == b"PAR1":
        return pl.read_parquet(io.BytesIO(content)).write_csv()
    return content.decode("utf-8", errors="replace")


def fuites(text: str, region: Region) -> list[str]:
    """The markers of `region` found in `text` (an empty list when it shows nothing of it)."""
    lower = text.lower()
    found = [m for m in region.marqueurs() if m.lower() in lower]
    digits = re.sub(r"[\s.,\u00a0\u202f]", "", text)
    return found + [f"montant {c}" for c in region.chiffres() if c in digits]
