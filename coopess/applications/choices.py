"""Closed lists a representative picks from (the call's own questions are data, see
``CallQuestion``)."""

from django.db import models

from coopess.calls.models import DocumentScope, QuestionKind  # noqa: F401 - re-exported


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    SUBMITTED = "submitted", "Déposée"
    UNDER_REVIEW = "under_review", "En cours d'examen"
    NEEDS_INFO = "needs_info", "Compléments demandés"
    SELECTED = "selected", "Retenue"
    WAITLISTED = "waitlisted", "Sur liste d'attente"
    REJECTED = "rejected", "Non retenue"
    WITHDRAWN = "withdrawn", "Retirée"


class LegalForm(models.TextChoices):
    ASSOCIATION = "association", "Association"
    COOPERATIVE = "cooperative", "Coopérative (SCOP, SCIC, autre)"
    NETWORK_HEAD = "network_head", "Tête de réseau, union ou fédération"
    ESUS_COMPANY = "esus_company", "Entreprise agréée ESUS"
    OTHER = "other", "Autre"


class SharingDomain(models.TextChoices):
    """What structures may share: means or activities (the seed call's « partage de moyens ou
    d'activités »)."""

    HR = "hr", "Ressources humaines et emplois partagés"
    ADMIN = "admin", "Comptabilité, paie, juridique"
    PREMISES = "premises", "Locaux"
    EQUIPMENT = "equipment", "Matériel et véhicules"
    IT = "it", "Systèmes d'information"
    COMMUNICATION = "communication", "Communication"
    FUNDRAISING = "fundraising", "Recherche de financements"
    PURCHASING = "purchasing", "Achats"
    TRAINING = "training", "Formation"
    SERVICES = "services", "Activités et services aux bénéficiaires"
    OTHER = "other", "Autre"


class ProjectGoal(models.TextChoices):
    EFFICIENCY = "efficiency", "Gagner en efficacité"
    RESOURCES = "resources", "Diversifier les ressources"
    POSITIONING = "positioning", "Renforcer le positionnement"
    COSTS = "costs", "Optimiser les coûts"


class CooperationForm(models.TextChoices):
    """Forms of rapprochement, from the least to the most binding (DOMAIN.md)."""

    NOT_DECIDED = "not_decided", "Pas encore définie"
    PARTNERSHIP = "partnership", "Convention de partenariat"
    POOLING = "pooling", "Convention de mutualisation"
    STAFF_SECONDMENT = "staff_secondment", "Mise à disposition de personnel"
    EMPLOYERS_GROUP = "employers_group", "Groupement d'employeurs"
    ASSOCIATION_OF_MEANS = "association_of_means", "Association de moyens, union ou fédération"
    GIE = "gie", "Groupement d'intérêt économique (GIE)"
    GCSMS = "gcsms", "Groupement de coopération sociale et médico-sociale (GCSMS)"
    SCIC = "scic", "Société coopérative d'intérêt collectif (SCIC)"
    MERGER = "merger", "Fusion ou apport partiel d'actif"


class LookupStatus(models.TextChoices):
    PENDING = "pending", "À vérifier"
    FOUND = "found", "Trouvée dans le répertoire"
    NOT_FOUND = "not_found", "Introuvable dans le répertoire"
    UNAVAILABLE = "unavailable", "Répertoire indisponible"
