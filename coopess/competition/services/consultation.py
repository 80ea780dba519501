"""The consultation's life: terms of reference pre-filled from the validated synthesis and the
action plan, the providers consulted (at least the number set, or a written reason), the moves
``draft → consulting → closed → chosen | abandoned`` (one service each, one log row each), the
choice that creates the support engagement, and the letters sent once through the outbox."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from coopess.accounts.models import Organisation, OrganisationKind, User
from coopess.calls.calendar import PARIS
from coopess.common.mail import queue_email_message
from coopess.competition.models import (
    DEFAULT_CRITERIA,
    TERMS_EDITABLE,
    TRANSITIONS,
    Consultation,
    ConsultationStatus,
    ConsultationTransition,
    ConsultedProvider,
    LookupStatus,
    Proposal,
    Provider,
    TermsVersion,
    terms_content,
)
from coopess.competition.services import CompetitionError, competition_settings_for
from coopess.competition.services.proposals import consultant_lines
from coopess.diagnostic.models import ActionItem, SynthesisStatus, SynthesisVersion
from coopess.selection.models import Cohort
from coopess.support.models import Engagement
from coopess.support.services import SupportError
from coopess.support.services import engagement as engagement_services

S = ConsultationStatus
#: sections of the synthesis (``diagnostic.synthesis_prefill.SECTION_TITLES``) that go into
#: the terms of reference by default; the others describe each structure (context, blocking
#: points, synergies, workshop) and stay with the DLA unless the officer ticks them on purpose
SHARED_SECTIONS = {"cooperation_forms", "support"}
CONFIDENTIAL_SECTIONS = {
    "context": "Contexte de chaque structure",
    "synergies": "Carte des synergies",
    "blocking_points": "Points de blocage",
    "workshop": "Résultats de l'atelier collectif",
}


def transition(consultation: Consultation, *, to: str, by: User | None, comment: str = "") -> None:
    if to not in TRANSITIONS[consultation.status]:
        raise CompetitionError(
            f"Impossible de passer de « {consultation.get_status_display()} » à « {S(to).label} »."
        )
    ConsultationTransition.objects.create(
        consultation=consultation,
        from_status=consultation.status,
        to_status=to,
        by=by,
        comment=comment,
    )
    consultation.status = to
    consultation.save(update_fields=["status"])


def prefill(cohort: Cohort, *, keep: frozenset[str] = frozenset()) -> dict:
    """What the terms of reference start from: the action plan (objectives), the validated
    synthesis' non-confidential sections (context) — never the structures' interview notes."""
    synthesis = (
        SynthesisVersion.objects.filter(cohort=cohort, status=SynthesisStatus.VALIDATED)
        .order_by("-number")
        .first()
    )
    context = ""
    if synthesis is not None:
        context = "\n\n".join(
            f"## {s.title}\n\n{s.body}"
            for s in synthesis.sections.all()
            if s.key in SHARED_SECTIONS or s.key in keep
        )
    actions = ActionItem.objects.filter(cohort=cohort).order_by("position", "pk")
    objectives = "\n".join(f"- {a.action}" for a in actions)
    settings_ = engagement_services.support_settings_for(cohort.call)
    return {
        "context": context
        or f"Accompagnement collectif de {cohort.call.title} : coopération entre structures.",
        "objectives": objectives,
        "half_days": settings_.max_half_days,
    }


def consultation_create(
    *,
    cohort: Cohort,
    by: User,
    budget_ceiling: Decimal,
    deadline: dt.datetime,
    keep: list[str] | None = None,
) -> Consultation:
    """Start the terms of reference; ``keep``: confidential sections copied on purpose."""
    if Consultation.objects.filter(cohort=cohort).exists():
        raise CompetitionError("Cette cohorte a déjà une mise en concurrence.")
    rules = competition_settings_for(cohort.call)
    with transaction.atomic():
        consultation = Consultation.objects.create(
            cohort=cohort,
            created_by=by,
            min_providers=rules.min_providers,
            committee_scores=rules.committee_scores,
            budget_ceiling=budget_ceiling,
            deadline=deadline,
            criteria=[dict(c) for c in DEFAULT_CRITERIA],
            **prefill(cohort, keep=frozenset(keep or []) & set(CONFIDENTIAL_SECTIONS)),
        )
        terms_freeze(consultation=consultation, by=by)
    return consultation


def terms_freeze(*, consultation: Consultation, by: User | None) -> TermsVersion:
    """Keep the terms of reference as they are now as their version ``consultation.version``
    (frozen: later edits make new versions, this one stays downloadable as it was)."""
    version, _ = TermsVersion.objects.get_or_create(
        consultation=consultation,
        number=consultation.version,
        defaults={"content": terms_content(consultation), "created_by": by},
    )
    return version


EDITABLE = TERMS_EDITABLE


def consultation_update(*, consultation: Consultation, by: User, **fields) -> Consultation:
    """Edit the terms of reference; every saved change makes a new version."""
    if consultation.status != S.DRAFT:
        raise CompetitionError("Le cahier des charges envoyé ne peut plus changer.")
    for name in EDITABLE:
        if name in fields:
            setattr(consultation, name, fields[name])
    if "criteria" in fields:
        consultation.criteria = fields["criteria"]
    consultation.version += 1
    with transaction.atomic():
        consultation.save()
        terms_freeze(consultation=consultation, by=by)
    return consultation


def provider_consult(
    *, consultation: Consultation, provider: Provider, by: User
) -> ConsultedProvider:
    if consultation.status != S.DRAFT:
        raise CompetitionError("La consultation est déjà envoyée.")
    if provider.operator_id != consultation.cohort.call.operator_id:
        raise CompetitionError(
            "Ce prestataire n'est pas dans l'annuaire de votre DLA.", field="provider"
        )
    if provider.lookup_status == LookupStatus.CLOSED:
        raise CompetitionError(closed_reason(provider), field="provider")
    consulted, _ = ConsultedProvider.objects.get_or_create(
        consultation=consultation, provider=provider
    )
    return consulted


def consulted_remove(*, consulted: ConsultedProvider, by: User) -> None:
    """Take a provider back off the list before the terms of reference are sent."""
    with transaction.atomic():
        consultation = Consultation.objects.select_for_update().get(pk=consulted.consultation_id)
        if consultation.status != S.DRAFT:
            raise CompetitionError("La consultation est déjà envoyée : la liste ne change plus.")
        ConsultedProvider.objects.filter(pk=consulted.pk, invited_at__isnull=True).delete()


def closed_reason(provider: Provider) -> str:
    """Why a provider the company directory says is closed cannot be consulted."""
    return (
        f"« {provider.name} » ne peut pas être consulté : d'après le répertoire des entreprises, "
        "son établissement est fermé (ou l'entreprise a cessé son activité). Corrigez son SIRET "
        "dans l'annuaire (celui de l'établissement actif)."
    )


def _invitation_email(consultation: Consultation, item: ConsultedProvider, link: str):
    deadline = timezone.localtime(consultation.deadline, PARIS).strftime("%d/%m/%Y à %H:%M")
    return EmailMessage(
        subject="Consultation : accompagnement collectif de structures de l'ESS",
        body=(
            f"Bonjour {item.provider.contact_name},\n\n"
            f"Le DLA {consultation.cohort.call.operator} vous consulte pour un "
            "accompagnement collectif. Votre invitation personnelle (ne la "
            f"transmettez pas) :\n{link}\n\n"
            "Ouvrez ce lien, connectez-vous avec un code envoyé à cette adresse "
            f"({item.provider.email}) — ou créez votre compte avec elle si c'est "
            "votre première visite — puis acceptez l'invitation : vous trouverez "
            "ensuite le cahier des charges et le dépôt de votre proposition dans "
            "« Mes consultations ».\n\n"
            f"Date limite de réception : {deadline} (heure de Paris).\n"
        ),
        to=[item.provider.email],
    )


def consultation_send(
    *, consultation: Consultation, by: User, fewer_reason: str = ""
) -> Consultation:
    """Send the terms of reference to each consulted provider with its secret link."""
    with transaction.atomic():
        consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
        consulted = list(consultation.consulted.select_related("provider"))
        if not consulted:
            raise CompetitionError("Ajoutez au moins un prestataire à consulter.")
        closed = [
            c.provider.name for c in consulted if c.provider.lookup_status == LookupStatus.CLOSED
        ]
        if closed:
            raise CompetitionError(
                "D'après le répertoire des entreprises, l'établissement de "
                + ", ".join(f"« {name} »" for name in closed)
                + " est fermé : retirez ce prestataire de la consultation (ou corrigez son SIRET "
                "dans l'annuaire) avant l'envoi."
            )
        if consultation.deadline <= timezone.now():
            raise CompetitionError("La date limite de réception est déjà passée.", field="deadline")
        comment = ""
        if len(consulted) < consultation.min_providers:
            if not fewer_reason.strip():
                raise CompetitionError(
                    f"L'appel demande de consulter au moins {consultation.min_providers} "
                    "prestataires : ajoutez-en ou écrivez le motif d'une consultation plus "
                    "restreinte.",
                    field="fewer_reason",
                )
            consultation.fewer_reason = fewer_reason.strip()
            consultation.save(update_fields=["fewer_reason"])
            comment = f"Moins de {consultation.min_providers} prestataires : {fewer_reason.strip()}"
        transition(consultation, to=S.CONSULTING, by=by, comment=comment)
        version = terms_freeze(consultation=consultation, by=by)
        version.sent_at = timezone.now()
        version.save(update_fields=["sent_at"])
        for item in consulted:
            link = settings.COOPESS_BASE_URL + reverse("competition:invitation", args=[item.token])
            queue_email_message(
                _invitation_email(consultation, item, link),
                key=f"competition-invite:{item.pk}",
            )
            item.invited_at = timezone.now()
            item.sent_version = version
            item.save(update_fields=["invited_at", "sent_version"])
    return consultation


def consulted_reinvite(*, consulted: ConsultedProvider, by: User, seen: str) -> ConsultedProvider:
    """Send a consulted provider's invitation again, to the directory's current address, while
    it is not accepted and proposals are still received: one email per click (its outbox key is
    the log row written for it), logged in the consultation's history. ``seen`` is the
    ``invitation_stamp`` the officer's page showed: when the invitation has been sent since
    (a double click, another tab), nothing is sent again."""
    with transaction.atomic():
        consultation = Consultation.objects.select_for_update().get(pk=consulted.consultation_id)
        consulted = (
            ConsultedProvider.objects.select_for_update()
            .select_related("provider")
            .get(pk=consulted.pk)
        )
        if not consultation.is_open() or consulted.invited_at is None:
            raise CompetitionError(
                "L'invitation ne peut être renvoyée que pendant la consultation, avant la date "
                "limite."
            )
        if consulted.user_id is not None:
            raise CompetitionError(
                "Cette invitation est déjà acceptée : détachez d'abord le compte pour qu'un "
                "autre contact l'accepte."
            )
        if consulted.provider.lookup_status == LookupStatus.CLOSED:
            raise CompetitionError(closed_reason(consulted.provider))
        if seen != consulted.invitation_stamp:
            sent = timezone.localtime(consulted.invited_at, PARIS)
            raise CompetitionError(
                f"L'invitation de « {consulted.provider.name} » vient d'être envoyée "
                f"(le {sent:%d/%m/%Y à %H:%M:%S}) : elle n'est pas renvoyée une seconde fois. "
                "Pour la renvoyer encore, cliquez de nouveau sur « Renvoyer l'invitation »."
            )
        log = ConsultationTransition.objects.create(
            consultation=consultation,
            from_status=consultation.status,
            to_status=consultation.status,
            by=by,
            # no address in the log: it would outlive the contact's erasure
            comment=f"Invitation renvoyée à {consulted.provider.name} (contact de l'annuaire)",
        )
        link = settings.COOPESS_BASE_URL + reverse("competition:invitation", args=[consulted.token])
        queue_email_message(
            _invitation_email(consultation, consulted, link),
            key=f"competition-reinvite:{log.pk}",
        )
        consulted.invited_at = timezone.now()
        consulted.save(update_fields=["invited_at"])
    return consulted


def consulted_detach(*, consulted: ConsultedProvider, by: User) -> ConsultedProvider:
    """Unlink the account that accepted a consulted provider's invitation, so that another
    contact of the firm can accept it (the draft and the proposal stay the provider's);
    logged in the consultation's history."""
    with transaction.atomic():
        consulted = (
            # lock the row only: PostgreSQL refuses FOR UPDATE on the nullable side of the
            # outer join to the account
            ConsultedProvider.objects.select_for_update(of=("self",))
            .select_related("provider", "user", "consultation")
            .get(pk=consulted.pk)
        )
        if consulted.user_id is None:
            raise CompetitionError("Aucun compte n'a accepté cette invitation.", field="confirm")
        consultation = consulted.consultation
        ConsultationTransition.objects.create(
            consultation=consultation,
            from_status=consultation.status,
            to_status=consultation.status,
            by=by,
            comment=f"Compte détaché de l'invitation de {consulted.provider.name}",
        )
        consulted.user = None
        consulted.accepted_at = None
        consulted.save(update_fields=["user", "accepted_at"])
    return consulted


def consultation_close(*, consultation: Consultation, by: User | None) -> Consultation:
    """Close the answers once the deadline has passed; the comité d'appui's members, when it
    marks, are told the proposals are ready."""
    with transaction.atomic():
        consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
        if consultation.deadline > timezone.now():
            raise CompetitionError("La date limite de réception n'est pas encore passée.")
        transition(consultation, to=S.CLOSED, by=by)
        from coopess.competition.services.committee import committee_notify

        committee_notify(consultation=consultation)
    return consultation


def consultation_abandon(*, consultation: Consultation, by: User, reason: str) -> Consultation:
    if not reason.strip():
        raise CompetitionError("Écrivez le motif de l'abandon.", field="reason")
    with transaction.atomic():
        consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
        if S.ABANDONED not in TRANSITIONS[consultation.status]:
            raise CompetitionError("Cette mise en concurrence est terminée.")
        consultation.abandon_reason = reason.strip()
        consultation.save(update_fields=["abandon_reason"])
        transition(consultation, to=S.ABANDONED, by=by, comment=reason.strip())
    return consultation


def _firm_for(provider: Provider) -> Organisation:
    firm, _ = Organisation.objects.get_or_create(
        name=provider.name, kind=OrganisationKind.CONSULTING_FIRM
    )
    return firm


def proposal_choose(
    *,
    proposal: Proposal,
    by: User,
    justification: str,
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
    derogation: str = "",
) -> Engagement:
    """Choose a proposal: the justification is logged and the support engagement is created
    from the proposal (firm, half-days, budget, period) — nothing typed twice."""
    if not justification.strip():
        raise CompetitionError("Écrivez la justification du choix.", field="justification")
    bounds = engagement_services.support_settings_for(proposal.consultation.cohort.call)
    starts_on = starts_on or bounds.period_starts_on
    ends_on = ends_on or bounds.period_ends_on
    if starts_on is None or ends_on is None:
        raise CompetitionError("Indiquez la période de la prestation.", field="starts_on")
    try:
        return _choose(
            proposal=proposal,
            by=by,
            justification=justification,
            starts_on=starts_on,
            ends_on=ends_on,
            derogation=derogation,
        )
    except SupportError as error:
        raise CompetitionError(str(error), field="starts_on") from error


def _choose(*, proposal, by, justification, starts_on, ends_on, derogation) -> Engagement:
    with transaction.atomic():
        consultation = Consultation.objects.select_for_update().get(pk=proposal.consultation_id)
        proposal = Proposal.objects.select_related("consulted__provider").get(pk=proposal.pk)
        if proposal.submitted_at is None:
            raise CompetitionError("Cette proposition n'a pas été déposée.")
        if proposal.over_ceiling and not derogation.strip():
            raise CompetitionError(
                "Cette proposition dépasse le plafond budgétaire : écrivez la dérogation.",
                field="derogation",
            )
        consultation.justification = justification.strip()
        consultation.save(update_fields=["justification"])
        comment = justification.strip()
        if derogation.strip():
            comment += f"\nDérogation au plafond : {derogation.strip()}"
        transition(consultation, to=S.CHOSEN, by=by, comment=comment)
        proposal.chosen = True
        proposal.derogation = derogation.strip()
        proposal.save(update_fields=["chosen", "derogation"])
        brief = "\n\n".join(
            part
            for part in (consultation.context, consultation.objectives, consultation.deliverables)
            if part
        )
        engagement = engagement_services.engagement_save(
            cohort=consultation.cohort,
            by=by,
            firm=_firm_for(proposal.consulted.provider),
            brief=brief,
            budget=proposal.total or Decimal("0"),
            planned_half_days=proposal.half_days or consultation.half_days,
            starts_on=starts_on,
            ends_on=ends_on,
        )
        _consultants_from(proposal, engagement, by=by)
    return engagement


def _consultants_from(proposal: Proposal, engagement: Engagement, *, by: User) -> None:
    """Each consultant the chosen proposal names with an address gets the consultant role for
    the firm and access to this cohort's support (and an email saying so), as if the officer had
    added them; one who cannot be (a representative of a structure of the cohort) is left out,
    and the officer's page says so (``consultants_left_out``)."""
    for person in consultant_lines(proposal.consultants, lenient=True):
        if not person.email:
            continue
        try:
            with transaction.atomic():
                engagement_services.consultant_add(
                    engagement=engagement,
                    by=by,
                    email=person.email,
                    first_name=person.first_name,
                    last_name=person.last_name,
                )
        except SupportError:
            continue


def consultants_left_out(proposal: Proposal, engagement: Engagement) -> list[str]:
    """The consultants named in the chosen proposal who did not get access to the cohort: no
    address given, or an address the support refused."""
    engaged = set(engagement.consultants.values_list("email", flat=True))
    return [
        person.name
        for person in consultant_lines(proposal.consultants, lenient=True)
        if person.email not in engaged
    ]


def letters_send(*, consultation: Consultation, by: User) -> int:
    """One letter per consulted provider (chosen / not chosen, its marks and the reason), once."""
    from coopess.competition.documents import letter_pdf
    from coopess.competition.services.proposals import average_marks

    with transaction.atomic():
        consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
        if consultation.status != S.CHOSEN:
            raise CompetitionError("Les lettres partent une fois le prestataire choisi.")
        if consultation.letters_sent_at is not None:
            raise CompetitionError("Les lettres sont déjà parties.")
        sent = 0
        for item in consultation.consulted.select_related("provider"):
            proposal = Proposal.objects.filter(consulted=item, submitted_at__isnull=False).first()
            if proposal is None:
                continue
            mark = average_marks(proposal, consultation.criteria)
            if proposal.chosen:
                verdict = "Votre proposition est retenue."
            else:
                verdict = "Votre proposition n'est pas retenue."
            message = EmailMessage(
                subject="Résultat de la consultation",
                body=(
                    f"Bonjour {item.provider.contact_name},\n\n{verdict}\n"
                    f"Note pondérée de votre proposition : {mark} / 20.\n"
                    f"Motif du choix : {consultation.justification}\n"
                ),
                to=[item.provider.email],
            )
            message.attach(
                "resultat-consultation.pdf", letter_pdf(item, proposal, mark), "application/pdf"
            )
            queue_email_message(message, key=f"competition-letter:{item.pk}")
            item.letter_sent_at = timezone.now()
            item.save(update_fields=["letter_sent_at"])
            sent += 1
        consultation.letters_sent_at = timezone.now()
        consultation.save(update_fields=["letters_sent_at"])
    return sent
