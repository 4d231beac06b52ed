"""Word lists of the demo's other sources (ADEME, France 2030, QPV lieu d'action, fictitious QPVs).

Programme, strategy and objective names are real (public ADEME and France 2030 files); quarter
names and project acronyms are invented.
"""

from __future__ import annotations

# ADEME objets: (objet, weight, median amount €, log-normal sigma). The « Fonds vert » / « FV »
# ones are drawn separately (about 20 % of the aids, see sources.FONDS_VERT_SHARE).
ADEME_OBJETS = (
    ("TREMPLIN pour la transition écologique des PME", 6, 8_000, 0.6),
    ("Fonds Chaleur - Chaufferie biomasse", 3, 180_000, 1.0),
    ("Fonds Chaleur - Réseau de chaleur", 2, 450_000, 0.9),
    ("Fonds Chaleur - Solaire thermique", 1, 60_000, 0.8),
    ("Économie circulaire - Réemploi, réparation et réutilisation", 3, 70_000, 0.9),
    ("Économie circulaire - Tri à la source des biodéchets", 2, 90_000, 0.9),
    ("Décarbonation de l'industrie - Efficacité énergétique des procédés", 2, 250_000, 1.1),
    ("Études et accompagnement - Diagnostic et études préalables", 3, 20_000, 0.7),
    ("Mobilité - Aménagements cyclables (AVELO 2)", 1, 40_000, 0.8),
    ("Animation territoriale - Contrat d'objectifs territorial", 1, 110_000, 0.5),
)
ADEME_FONDS_VERT = (
    ("Fonds vert - Renaturation des villes et des villages", 3, 150_000, 0.9),
    ("Fonds vert - Recyclage des friches", 2, 600_000, 0.9),
    ("Fonds vert - Tri à la source et valorisation des biodéchets", 2, 80_000, 0.8),
    ("FV - Recyclage foncier", 2, 500_000, 1.0),
    ("FV - Rénovation énergétique des bâtiments publics locaux", 2, 200_000, 0.9),
)
ADEME_DIRECTIONS = {"53": "BRD", "52": "PDL", "28": "NOR", "75": "NAQ", "76": "OCC", "84": "ARA", "11": "IDF"}

# France 2030: (nom_strategie, code_nomenclature, nomenclature).
F2030_STRATEGIES = (
    (
        "Stratégie nationale hydrogène décarboné",
        "Objectif 2",
        "Devenir le leader de l'hydrogène vert et des énergies renouvelables en 2030",
    ),
    ("Décarbonation de l'industrie", "Objectif 3", "Décarboner notre industrie"),
    (
        "Produire à l'horizon 2030 près de 2 millions de véhicules électriques et hybrides",
        "Objectif 4",
        "Produire à l'horizon 2030 près de 2 millions de véhicules électriques et hybrides",
    ),
    (
        "Alimentation durable et favorable à la santé",
        "Objectif 6",
        "Investir dans une alimentation saine, durable et traçable",
    ),
    (
        "Systèmes agricoles durables et équipements agricoles contribuant à la transition écologique",
        "Objectif 6",
        "Investir dans une alimentation saine, durable et traçable",
    ),
    (
        "Capacity building",
        "Objectif 7",
        "Produire en France au moins 20 bio-médicaments, notamment contre les cancers, les maladies "
        "chroniques et développer et produire des dispositifs médicaux innovants",
    ),
    (
        "Santé numérique",
        "Objectif 7",
        "Produire en France au moins 20 bio-médicaments, notamment contre les cancers, les maladies "
        "chroniques et développer et produire des dispositifs médicaux innovants",
    ),
    (
        "Industries culturelles et créatives",
        "Objectif 8",
        "Placer la France à nouveau en tête de la production des contenus culturels et créatifs",
    ),
    ("Grands fonds marins", "Objectif 10", "Investir dans le champ des grands fonds marins"),
    (
        "Recyclabilité, recyclage et réincorporation des matériaux",
        "Levier 1",
        "Sécuriser l'accès aux matières premières",
    ),
    (
        "Électronique",
        "Levier 2",
        "Sécuriser l'accès aux composants stratégiques, notamment électroniques, robotiques et machines intelligentes",
    ),
    (
        "Compétences et métiers d'avenir",
        "Levier 3",
        "Développer les talents en construisant les formations de demain",
    ),
)
F2030_OPERATEURS = (("BPI", 0.5), ("ADEME", 0.2), ("ANR", 0.2), ("Caisse des Dépôts", 0.1))
F2030_PROCEDURES = (
    "Appel à projets",
    "Contractualisation directe",
    "Appel à manifestation d'intérêt",
    "Concours d'innovation i-Nov",
)
PROJET_DEBUTS = (
    "HYDRO",
    "BIO",
    "ALGA",
    "MARI",
    "AGRO",
    "NAVI",
    "CYBER",
    "THERMO",
    "ECO",
    "NEO",
    "OCEA",
    "LUMI",
    "CERE",
    "VOLT",
    "LACT",
    "CELL",
)
PROJET_FINS = ("BREIZH", "MER", "TEC", "LAB", "PACK", "FLOW", "GEN", "SAT", "NOV", "CYCLE", "PROD", "SENS")

# Invented quarter names for the fictitious QPVs.
QUARTIERS = (
    "Les Tilleuls",
    "Les Glycines",
    "Le Bois Joli",
    "La Croix Verte",
    "Les Hortensias",
    "Le Moulin du Pont",
    "Bellevue Nord",
    "Kerlann",
    "Kergoff",
    "Ar Menez",
    "Le Clos Fleuri",
    "Les Camélias",
    "La Pommeraie",
    "Les Rives du Canal",
    "Le Champ de Foire",
    "Les Ajoncs",
    "Kerveur",
    "Les Mouettes",
    "Prat Ar Roz",
    "La Lande Haute",
    "Les Genêts d'Or",
    "Le Petit Bois",
    "Coat Ar Gueven",
    "Les Terres Neuves",
    "La Garenne",
    "Le Haut Pâtis",
    "Les Embruns",
    "Kerléon",
    "La Madeleine Sud",
    "Le Vieux Port",
)
ACTIONS = (
    "Médiation sociale de proximité dans le quartier",
    "Accompagnement à la scolarité des collégiens",
    "Ateliers d'autonomie numérique pour les habitants",
    "Insertion professionnelle des jeunes de 16 à 25 ans",
    "Animation du lien social et fête de quartier",
    "Permanence d'accès aux droits",
    "Sport et citoyenneté pour les 8-14 ans",
    "Ateliers sociolinguistiques",
    "Jardin partagé et alimentation durable",
    "Prévention de la délinquance et chantiers éducatifs",
    "Séjours éducatifs pendant les vacances scolaires",
    "Santé et accès aux soins des familles",
)
