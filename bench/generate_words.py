"""The fictitious data ``bench/generate.py`` draws from: the status mix, the number of
structures per application, one or more towns per département (weighted towards the Pays de la
Loire), the structure-name patterns with their legal forms, INSEE categories and NAF codes, the
word lists for activities, projects and people, and the helpers that turn a name into an email's
local part and an index into a Luhn-valid fictitious SIREN/SIRET. Data only: no database access.
"""

from __future__ import annotations

import unicodedata

# Status mix of a call whose selection is well under way.
STATUSES = [
    ("submitted", 30),
    ("under_review", 25),
    ("selected", 5),
    ("waitlisted", 8),
    ("rejected", 27),
    ("withdrawn", 5),
]
STRUCTURE_COUNTS = [(1, 35), (2, 30), (3, 20), (4, 10), (5, 5)]

# Every département gets its prefecture; the five of the Pays de la Loire weigh most and have
# more towns. (code: [(town, postal code), ...])
TOWNS: dict[str, list[tuple[str, str]]] = {
    "01": [("Bourg-en-Bresse", "01000")], "02": [("Laon", "02000")],
    "03": [("Moulins", "03000")], "04": [("Digne-les-Bains", "04000")],
    "05": [("Gap", "05000")], "06": [("Nice", "06000")], "07": [("Privas", "07000")],
    "08": [("Charleville-Mézières", "08000")], "09": [("Foix", "09000")],
    "10": [("Troyes", "10000")], "11": [("Carcassonne", "11000")],
    "12": [("Rodez", "12000")], "13": [("Marseille", "13001"), ("Arles", "13200")],
    "14": [("Caen", "14000")], "15": [("Aurillac", "15000")],
    "16": [("Angoulême", "16000")], "17": [("La Rochelle", "17000")],
    "18": [("Bourges", "18000")], "19": [("Tulle", "19000")],
    "2A": [("Ajaccio", "20000")], "2B": [("Bastia", "20200")],
    "21": [("Dijon", "21000")], "22": [("Saint-Brieuc", "22000")],
    "23": [("Guéret", "23000")], "24": [("Périgueux", "24000")],
    "25": [("Besançon", "25000")], "26": [("Valence", "26000")],
    "27": [("Évreux", "27000")], "28": [("Chartres", "28000")],
    "29": [("Quimper", "29000"), ("Brest", "29200")], "30": [("Nîmes", "30000")],
    "31": [("Toulouse", "31000")], "32": [("Auch", "32000")],
    "33": [("Bordeaux", "33000")], "34": [("Montpellier", "34000")],
    "35": [("Rennes", "35000"), ("Vitré", "35500")], "36": [("Châteauroux", "36000")],
    "37": [("Tours", "37000")], "38": [("Grenoble", "38000")],
    "39": [("Lons-le-Saunier", "39000")], "40": [("Mont-de-Marsan", "40000")],
    "41": [("Blois", "41000")], "42": [("Saint-Étienne", "42000")],
    "43": [("Le Puy-en-Velay", "43000")],
    "44": [
        ("Nantes", "44000"), ("Saint-Nazaire", "44600"), ("Rezé", "44400"),
        ("Saint-Herblain", "44800"), ("Châteaubriant", "44110"), ("Ancenis", "44150"),
        ("Guérande", "44350"), ("Clisson", "44190"), ("Pornic", "44210"),
    ],
    "45": [("Orléans", "45000")], "46": [("Cahors", "46000")], "47": [("Agen", "47000")],
    "48": [("Mende", "48000")],
    "49": [
        ("Angers", "49000"), ("Cholet", "49300"), ("Saumur", "49400"),
        ("Segré-en-Anjou Bleu", "49500"), ("Beaupréau-en-Mauges", "49600"),
        ("Baugé-en-Anjou", "49150"),
    ],
    "50": [("Saint-Lô", "50000")], "51": [("Châlons-en-Champagne", "51000")],
    "52": [("Chaumont", "52000")],
    "53": [
        ("Laval", "53000"), ("Mayenne", "53100"), ("Château-Gontier-sur-Mayenne", "53200"),
        ("Évron", "53600"), ("Craon", "53400"),
    ],
    "54": [("Nancy", "54000")], "55": [("Bar-le-Duc", "55000")],
    "56": [("Vannes", "56000"), ("Lorient", "56100")], "57": [("Metz", "57000")],
    "58": [("Nevers", "58000")], "59": [("Lille", "59000"), ("Roubaix", "59100")],
    "60": [("Beauvais", "60000")], "61": [("Alençon", "61000")],
    "62": [("Arras", "62000")], "63": [("Clermont-Ferrand", "63000")],
    "64": [("Pau", "64000"), ("Bayonne", "64100")], "65": [("Tarbes", "65000")],
    "66": [("Perpignan", "66000")], "67": [("Strasbourg", "67000")],
    "68": [("Colmar", "68000")], "69": [("Lyon", "69001"), ("Villeurbanne", "69100")],
    "70": [("Vesoul", "70000")], "71": [("Mâcon", "71000")],
    "72": [
        ("Le Mans", "72000"), ("La Flèche", "72200"), ("Sablé-sur-Sarthe", "72300"),
        ("Mamers", "72600"), ("Saint-Calais", "72120"), ("Château-du-Loir", "72500"),
    ],
    "73": [("Chambéry", "73000")], "74": [("Annecy", "74000")],
    "75": [("Paris", "75011"), ("Paris", "75018"), ("Paris", "75020")],
    "76": [("Rouen", "76000"), ("Le Havre", "76600")], "77": [("Melun", "77000")],
    "78": [("Versailles", "78000")], "79": [("Niort", "79000")],
    "80": [("Amiens", "80000")], "81": [("Albi", "81000")],
    "82": [("Montauban", "82000")], "83": [("Toulon", "83000")],
    "84": [("Avignon", "84000")],
    "85": [
        ("La Roche-sur-Yon", "85000"), ("Les Sables-d'Olonne", "85100"),
        ("Challans", "85300"), ("Fontenay-le-Comte", "85200"), ("Luçon", "85400"),
        ("Les Herbiers", "85500"), ("Montaigu-Vendée", "85600"),
    ],
    "86": [("Poitiers", "86000")], "87": [("Limoges", "87000")],
    "88": [("Épinal", "88000")], "89": [("Auxerre", "89000")],
    "90": [("Belfort", "90000")], "91": [("Évry-Courcouronnes", "91000")],
    "92": [("Nanterre", "92000")], "93": [("Bobigny", "93000"), ("Montreuil", "93100")],
    "94": [("Créteil", "94000")], "95": [("Cergy", "95000")],
    "971": [("Basse-Terre", "97100")], "972": [("Fort-de-France", "97200")],
    "973": [("Cayenne", "97300")], "974": [("Saint-Denis", "97400")],
    "976": [("Mamoudzou", "97600")],
}  # fmt: skip
REGION_WEIGHTS = {"44": 24.0, "49": 16.0, "85": 14.0, "72": 11.0, "53": 7.0}
OTHER_DEPARTEMENTS_WEIGHT = 28.0  # shared by the 96 others

# (pattern, legal form, INSEE legal category, NAF codes). {town}, {dep} (département name),
# {activity}, {place}, {what} are filled in.
NAME_PATTERNS = [
    ("Association {activity} de {town}", "association", "9220", ["9499Z", "9312Z", "8899B"]),
    ("Association {activity} du pays de {town}", "association", "9220", ["9499Z", "8899B"]),
    ("Les Jardins de {town}", "association", "9220", ["8899B", "0113Z"]),
    ("Les Jardins du {place}", "association", "9220", ["8899B", "0113Z"]),
    ("Ressourcerie de {town}", "association", "9220", ["3832Z", "4779Z"]),
    ("Épicerie solidaire de {town}", "association", "9220", ["4711B", "8899B"]),
    ("Maison des jeunes et de la culture de {town}", "association", "9220", ["9499Z"]),
    ("Compagnie {what} de {town}", "association", "9220", ["9001Z"]),
    ("Atelier vélo de {town}", "association", "9220", ["9529Z", "9499Z"]),
    ("Centre social du {place} de {town}", "association", "9220", ["8899B"]),
    ("Aide à domicile en milieu rural de {town}", "association", "9220", ["8810A"]),
    ("Coopérative {activity} de {town}", "cooperative", "5458", ["4399C", "7022Z"]),
    ("Coopérative d'activités et d'emploi — {dep}", "cooperative", "5458", ["7022Z"]),
    ("SCIC {what} de {town}", "cooperative", "5560", ["3511Z", "5610A", "0113Z"]),
    ("SCOP {what} {town}", "cooperative", "5458", ["4399C", "1071C"]),
    ("Fédération départementale {activity} — {dep}", "network_head", "9220", ["9499Z"]),
    ("Union régionale des associations {activity}", "network_head", "9220", ["9499Z"]),
    ("Entreprise d'insertion {what} de {town}", "esus_company", "5710", ["3811Z", "8121Z"]),
    ("Régie de quartier du {place} de {town}", "association", "9220", ["8130Z", "8899B"]),
]
ACTIVITIES = [
    "sportive", "culturelle", "d'éducation populaire", "familiale", "des parents d'élèves",
    "de solidarité", "d'insertion", "pour l'environnement", "des amis du patrimoine",
    "de musique", "de danse", "de loisirs", "des aînés", "d'aide alimentaire",
    "pour l'accès au droit", "de théâtre", "d'économie sociale", "des artisans",
]  # fmt: skip
PLACES = [
    "Bourg", "Val", "Marais", "Bocage", "Vieux Port", "Moulin", "Centre", "Plateau", "Lac",
    "Château", "Prieuré", "Pré Vert", "Clos", "Vallon", "Coteau", "Quartier Nord",
]  # fmt: skip
WHATS = [
    "du Théâtre en Chantier", "des Semeurs", "Énergie Partagée", "du Pain Levé",
    "Bâtir Ensemble", "des Tisserands", "Recyclerie Verte", "des Voix Mêlées",
    "du Grain de Sel", "Terres Vivantes", "de l'Arbre à Palabres", "Le Vélo Solidaire",
    "des Marées", "Cuisine Commune", "Lumière d'Ouest",
]  # fmt: skip
PROJECTS = [
    "Mutualiser un poste de comptable", "Créer un groupement d'employeurs",
    "Partager des locaux et du matériel", "Une plateforme commune de bénévolat",
    "Rapprocher nos services d'aide à domicile", "Un centre de ressources partagé",
    "Fusionner nos deux associations", "Une SCIC pour l'alimentation locale",
    "Mutualiser la communication et le site web", "Un service commun de paie",
    "Coopérer pour répondre aux appels d'offres", "Partager un véhicule et un local",
    "Une fédération départementale renforcée", "Une coordination des jardins partagés",
    "Un pôle territorial de coopération économique",
]  # fmt: skip
FIRST_NAMES = [
    "Camille", "Nathalie", "Sophie", "Isabelle", "Claire", "Marie", "Julie", "Anne",
    "Léa", "Manon", "Chloé", "Inès", "Sarah", "Fatou", "Nadia", "Yasmine", "Gwenaëlle",
    "Maëlle", "Thomas", "Nicolas", "Julien", "Pierre", "Antoine", "Mathieu", "Yann",
    "Erwan", "Karim", "Mamadou", "Hugo", "Louis", "Gabriel", "Lucas", "Théo", "Dominique",
    "Frédéric", "Olivier", "Sébastien", "Bernard", "Jean-Luc", "Patrice",
]  # fmt: skip
LAST_NAMES = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
    "Leroy", "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David",
    "Bertrand", "Roux", "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier",
    "Guérin", "Le Goff", "Le Gall", "Guillou", "Tessier", "Chevalier", "Rousseau",
    "Gautier", "Boucher", "Benali", "Diallo", "Nguyen", "Traoré", "Da Silva", "Marchand",
    "Pineau", "Hervé", "Bouvier", "Cottin", "Renaud", "Brunet", "Rivière",
]  # fmt: skip
ROLES = ["Président·e", "Trésorier·ère", "Co-président·e", "Secrétaire", "Gérant·e"]
SECOND_ROLES = ["Directeur·rice", "Coordinateur·rice", "Chargé·e de mission", "Administrateur·rice"]
NETWORKS = ["aucune", "aucune", "aucune", "Mouvement associatif", "URSCOP", "Fédération des centres sociaux", "UNA"]  # fmt: skip


def ascii_slug(text: str) -> str:
    """« Gwenaëlle Le Goff » -> « gwenaelle.le.goff »: the local part of an email address."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return ".".join("".join(c if c.isalnum() else " " for c in plain).split())


def luhn_siret(index: int) -> tuple[str, str]:
    """The ``index``-th fictitious (SIREN, SIRET), see ``fictitious_siret``."""
    from coopess.structures.identifiers import fictitious_siret

    siret = fictitious_siret(index)
    return siret[:9], siret
