"""Word lists for plausible French denominations, and the SIREN/SIRET Luhn arithmetic."""

from __future__ import annotations

import numpy as np

SURNAMES = (
    "MARTIN",
    "BERNARD",
    "LE GALL",
    "LE ROUX",
    "GUILLOU",
    "LE BRIS",
    "MORVAN",
    "TANGUY",
    "THOMAS",
    "ROBERT",
    "RICHARD",
    "PETIT",
    "DURAND",
    "LEROY",
    "MOREAU",
    "SIMON",
    "LAURENT",
    "LEFEBVRE",
    "MICHEL",
    "GARCIA",
    "DAVID",
    "BERTRAND",
    "ROUX",
    "VINCENT",
    "FOURNIER",
    "MOREL",
    "GIRARD",
    "ANDRE",
    "MERCIER",
    "DUPONT",
    "LAMBERT",
    "BONNET",
    "FRANCOIS",
    "LE GOFF",
    "JEZEQUEL",
    "QUEMENER",
    "KERBRAT",
    "LE CORRE",
    "HAMON",
    "PRIGENT",
    "RIOU",
    "CADIOU",
    "NICOLAS",
    "HENRY",
    "COLIN",
    "BLANCHARD",
    "GUERIN",
    "BOYER",
    "GAUTHIER",
    "LE MOAL",
    "GUEGUEN",
    "LE FLOCH",
    "SALAUN",
)
FIRST_NAMES = (
    "JEAN",
    "MARIE",
    "PIERRE",
    "ANNE",
    "YANN",
    "GWENAELLE",
    "NICOLAS",
    "SOPHIE",
    "ERWAN",
    "CATHERINE",
    "LOIC",
    "NATHALIE",
    "THOMAS",
    "JULIE",
    "MAEL",
    "CLAIRE",
    "PATRICK",
    "ISABELLE",
    "RONAN",
    "ELODIE",
)
# (word in the name, NAF rév. 2 code)
ACTIVITIES = (
    ("BATIMENT", "4399C"),
    ("TRANSPORTS", "4941A"),
    ("CONSEIL", "7022Z"),
    ("INFORMATIQUE", "6201Z"),
    ("MENUISERIE", "4332A"),
    ("ELECTRICITE", "4321A"),
    ("TRAVAUX PUBLICS", "4211Z"),
    ("CHANTIER NAVAL", "3011Z"),
    ("AGROALIMENTAIRE", "1089Z"),
    ("ENERGIES", "3511Z"),
    ("PAYSAGE", "8130Z"),
    ("INGENIERIE", "7112B"),
    ("FORMATION", "8559A"),
    ("NETTOYAGE", "8121Z"),
    ("IMPRIMERIE", "1812Z"),
    ("BOULANGERIE", "1071C"),
    ("ELEVAGE", "0150Z"),
    ("PECHE", "0311Z"),
    ("HOTELLERIE", "5510Z"),
    ("ENVIRONNEMENT", "3821Z"),
    ("LOGISTIQUE", "5210B"),
    ("AUTOMOBILES", "4520A"),
)
# (catégorie juridique, form in the name, weight)
COMPANY_FORMS = (
    ("5499", "SARL", 0.30),
    ("5710", "SAS", 0.25),
    ("5720", "SASU", 0.10),
    ("5498", "EURL", 0.07),
    ("5599", "SA", 0.05),
    ("6533", "GAEC", 0.08),
    ("6316", "CUMA", 0.03),
    ("5202", "SNC", 0.04),
    ("6540", "SCI", 0.08),
)
ASSOCIATION_NAMES = (
    ("ASSOCIATION SPORTIVE DE", "9312Z"),
    ("COMITE DES FETES DE", "9499Z"),
    ("ASSOCIATION CULTURELLE DE", "9499Z"),
    ("LES AMIS DE", "9499Z"),
    ("FAMILLES RURALES DE", "8899B"),
    ("CENTRE SOCIAL DE", "8899B"),
    ("ADMR DE", "8810A"),
    ("MISSION LOCALE DU PAYS DE", "8899B"),
    ("ECOLE DE MUSIQUE DE", "8552Z"),
    ("ASSOCIATION DES PARENTS D ELEVES DE", "9499Z"),
    ("FOYER DES JEUNES TRAVAILLEURS DE", "5590Z"),
    ("OFFICE DE TOURISME DE", "7990Z"),
)
STATE_SERVICES = (
    ("7172", "DIRECTION DEPARTEMENTALE DES TERRITOIRES ET DE LA MER"),
    ("7172", "DIRECTION DEPARTEMENTALE DES FINANCES PUBLIQUES"),
    ("7172", "DIRECTION REGIONALE DES AFFAIRES CULTURELLES"),
    ("7172", "DIRECTION REGIONALE DE L ENVIRONNEMENT DE L AMENAGEMENT ET DU LOGEMENT"),
    ("7172", "GROUPEMENT DE GENDARMERIE DEPARTEMENTALE"),
    ("7172", "RECTORAT DE L ACADEMIE"),
    ("7120", "MINISTERE DE L INTERIEUR"),
    ("7120", "MINISTERE DES ARMEES"),
    ("4110", "ETABLISSEMENT PUBLIC FONCIER"),
    ("4110", "VOIES NAVIGABLES"),
)
SCHOOL_NAMES = (
    "JULES FERRY",
    "VICTOR HUGO",
    "ANNE DE BRETAGNE",
    "JEAN MOULIN",
    "LOUIS PASTEUR",
    "SIMONE VEIL",
    "JACQUES PREVERT",
    "CHATEAUBRIAND",
    "ERNEST RENAN",
    "JULES VERNE",
    "PAUL LANGEVIN",
    "MARIE CURIE",
)
STREET_TYPES = ("RUE", "AV", "BD", "PL", "RTE", "ALL", "IMP", "CHE")
STREETS = (
    "DE LA MAIRIE",
    "DE BREST",
    "JEAN JAURES",
    "DU GENERAL DE GAULLE",
    "DE LA GARE",
    "DES CHAMPS",
    "DU PORT",
    "DE LA REPUBLIQUE",
    "VICTOR HUGO",
    "DE LA LIBERATION",
    "DES ECOLES",
    "PASTEUR",
)
EFFECTIFS = ("NN", "00", "01", "02", "03", "11", "12", "21", "22", "31", "32", "41")


def digits(numbers: np.ndarray, width: int) -> np.ndarray:
    """(n,) integers → (n, width) decimal digits, most significant first."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (numbers.astype(np.int64)[:, None] // powers) % 10


def luhn_check_digit(payload: np.ndarray, width: int) -> np.ndarray:
    """The digit that makes `payload * 10 + digit` Luhn-valid (payload has `width` digits)."""
    d = digits(payload, width)
    doubled = d * 2
    doubled = np.where(doubled > 9, doubled - 9, doubled)
    double_here = (np.arange(width)[::-1] % 2) == 0  # rightmost payload digit is doubled
    total = np.where(double_here, doubled, d).sum(axis=1)
    return (10 - total % 10) % 10


def with_check_digit(payload: np.ndarray, width: int) -> np.ndarray:
    payload = payload.astype(np.int64)
    return payload * 10 + luhn_check_digit(payload, width)


def luhn_valid(number: str) -> bool:
    if not number.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0
