import re

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format

register = template.Library()

ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")

#: the keys of a person's data (see ``services.person_data``), as the PDF shows them
LABELS = {
    "adresse": "Adresse",
    "adresse_electronique": "Adresse électronique",
    "affiliation": "Affiliation à un réseau",
    "appel": "Appel",
    "attentes": "Attentes",
    "benevoles": "Bénévoles",
    "cheffe_de_file": "Cheffe de file",
    "code_naf": "Code NAF",
    "code_postal": "Code postal",
    "commune": "Commune",
    "creee_le": "Créée le",
    "de": "De",
    "decision": "Décision",
    "departement": "Département",
    "deposee_le": "Déposée le",
    "description_du_partage": "Description du partage",
    "difficultes": "Difficultés",
    "disponibilites": "Disponibilités",
    "envergure_regionale": "Envergure régionale",
    "etat": "État",
    "etp": "ETP",
    "fichier": "Fichier",
    "fonction": "Fonction",
    "forme_juridique": "Forme juridique",
    "le": "Le",
    "message": "Message",
    "messages": "Messages",
    "motif": "Motif",
    "motifs": "Motifs",
    "nom": "Nom",
    "pieces_deposees": "Pièces déposées",
    "prenom": "Prénom",
    "projet": "Projet",
    "recepisse": "Récépissé",
    "recue_le": "Reçue le",
    "reponse": "Réponse",
    "rna": "RNA",
    "role": "Rôle",
    "salaries": "Salarié·es",
    "siret": "SIRET",
    "statut": "Statut",
    "structure": "Structure",
    "structure_representee": "Structure représentée",
    "taille": "Taille (octets)",
    "telephone": "Téléphone",
    "titre": "Titre",
    "traitee_le": "Traitée le",
    "vos_coordonnees_declarees": "Vos coordonnées déclarées",
    # diagnostic partagé and collective support (coopess/diagnostic|support/privacy.py)
    "demandee_par_la_structure": "Demandée par la structure",
    "demi_journee": "Demi-journée",
    "envoye_le": "Envoyé le",
    "modalite": "Modalité",
    "modifie_le": "Modifié le",
    "notes_du_dla": "Notes du DLA",
    "notes_privees_du_dla": "Notes privées du DLA",
    "present": "Présent·e",
    "presences": "Présences",
    "relectures_de_la_synthese": "Vos relectures de la synthèse",
    "reponses": "Réponses",
    "seance": "Séance",
    "vous_etiez_present": "Vous étiez présent·e",
}


@register.filter
def is_mapping(value) -> bool:
    return isinstance(value, dict)


@register.filter
def is_list(value) -> bool:
    return isinstance(value, list | tuple)


@register.filter
def field_label(key: str) -> str:
    return LABELS.get(key, str(key).replace("_", " ").capitalize())


@register.filter
def readable(value) -> str:
    """A value of a person's data as French text: dates in words, yes/no, a dash for nothing."""
    if value is None or value == "":
        return "—"
    if value is True:
        return "oui"
    if value is False:
        return "non"
    if isinstance(value, str) and ISO_DATETIME.match(value):
        moment = parse_datetime(value)
        if moment is not None:
            return date_format(timezone.localtime(moment), "j F Y à H:i")
    return str(value)


@register.simple_tag
def pending_erasure_count(user) -> int:
    """Pending erasure requests this person may handle (0 for everyone else)."""
    from coopess.privacy.models import ErasureRequest, ErasureStatus
    from coopess.privacy.permissions import can_handle_erasure_requests

    if not can_handle_erasure_requests(user):
        return 0
    return ErasureRequest.objects.handled_by(user).filter(status=ErasureStatus.PENDING).count()
