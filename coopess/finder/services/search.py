"""The search itself: the seeker's profile, the score computed in SQL (one query whatever the
number of structures) and the ranked results of findable structures only.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Case, ExpressionWrapper, F, IntegerField, Value, When
from django.db.models.functions import Collate

from coopess.finder import scoring
from coopess.finder.models import (
    Audience,
    FinderProfile,
)
from coopess.finder.services.consent import FinderError
from coopess.structures.geography import region_of_departement

# --- Search ----------------------------------------------------------------------------------


def to_scoring(profile: FinderProfile) -> scoring.FinderProfile:
    return scoring.FinderProfile(
        key=profile.pk,
        name=profile.name,
        needs=frozenset(profile.needs),
        resources=frozenset(profile.resources),
        naf_code=profile.naf_code,
        departements=frozenset([profile.departement] if profile.departement else []),
        staff_band=profile.staff_band,
        stage=profile.stage_code,
        stage_label=profile.stage_label,
        forms=frozenset(profile.forms),
    )


def _bit(field: str, bit: int, points: int = 1):
    """``points`` when the bit is set in the column, else 0 (integer arithmetic, portable)."""
    return ExpressionWrapper(
        F(field).bitand(bit) / Value(bit) * Value(points), output_field=IntegerField()
    )


def sql_score(seeker: scoring.FinderProfile):
    """:func:`coopess.finder.scoring.score` of every row for ``seeker``, as one SQL expression
    (same points; a test checks that both rank alike)."""
    terms = [Value(0)]
    for domain, bit in scoring.DOMAIN_BITS.items():
        if domain in seeker.needs:
            terms.append(_bit("resources_mask", bit, scoring.POINTS_COMPLEMENTARITY))
            terms.append(_bit("needs_mask", bit, scoring.POINTS_SHARED_NEED))
        if domain in seeker.resources:
            terms.append(_bit("needs_mask", bit, scoring.POINTS_COMPLEMENTARITY))
    if seeker.departements:
        regions = [r for r in (region_of_departement(d) for d in seeker.departements) if r]
        terms.append(
            Case(
                When(departement__in=seeker.departements, then=scoring.POINTS_SAME_DEPARTEMENT),
                When(region__in=regions, then=scoring.POINTS_SAME_REGION),
                default=0,
            )
        )
    division = scoring.naf_division(seeker.naf_code)
    if division:
        terms.append(Case(When(naf_division=division, then=scoring.POINTS_SAME_SECTOR), default=0))
    bands = scoring.comparable_bands(seeker.staff_band)
    if bands:
        terms.append(
            Case(When(staff_band__in=bands, then=scoring.POINTS_COMPARABLE_SIZE), default=0)
        )
    if seeker.stage:
        terms.append(Case(When(stage_code=seeker.stage, then=scoring.POINTS_SAME_STAGE), default=0))
    for form in seeker.forms:
        if form in scoring.FORM_BITS:
            terms.append(_bit("forms_mask", scoring.FORM_BITS[form], scoring.POINTS_COMMON_FORM))
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return ExpressionWrapper(total, output_field=IntegerField())


def _binary(field: str):
    """Order by code points on every database (PostgreSQL's locale collations would not)."""
    return Collate(F(field), "C" if connection.vendor == "postgresql" else "BINARY")


@dataclass(frozen=True)
class Result:
    profile: FinderProfile
    match: scoring.Match


def ranked(
    seeker: FinderProfile,
    candidates,
    *,
    departement: str = "",
    domain: str = "",
    limit: int = 20,
) -> list[Result]:
    """The ``limit`` best ``candidates`` (a queryset of profiles) for ``seeker``, ranked in the
    database with :func:`sql_score` (one query whatever their number), the reasons written by
    :mod:`coopess.finder.scoring` for the kept ones only."""
    me = to_scoring(seeker)
    needs, resources = scoring.domain_mask(me.needs), scoring.domain_mask(me.resources)
    queryset = candidates.exclude(pk=seeker.pk).exclude(structure_id=seeker.structure_id)
    if seeker.siret:
        queryset = queryset.exclude(siret=seeker.siret)
    if departement:
        queryset = queryset.filter(departement=departement)
    queryset = queryset.annotate(
        finder_synergy=ExpressionWrapper(
            F("needs_mask").bitand(needs | resources) + F("resources_mask").bitand(needs),
            output_field=IntegerField(),
        )
    ).filter(finder_synergy__gt=0)
    if domain in scoring.DOMAIN_BITS:
        bit = scoring.DOMAIN_BITS[domain]
        queryset = queryset.annotate(
            finder_domain=ExpressionWrapper(
                F("needs_mask").bitor(F("resources_mask")).bitand(bit), output_field=IntegerField()
            )
        ).filter(finder_domain__gt=0)
    rows = list(
        queryset.annotate(finder_score=sql_score(me)).order_by(
            "-finder_score", _binary("sort_name"), "pk"
        )[:limit]
    )
    results = []
    for profile in rows:
        candidate = to_scoring(profile)
        results.append(
            Result(
                profile=profile,
                match=scoring.Match(
                    candidate=candidate,
                    score=profile.finder_score,
                    reasons=scoring.reasons(me, candidate),
                ),
            )
        )
    return results


def search(
    *, seeker: FinderProfile, departement: str = "", domain: str = "", limit: int = 20
) -> list[Result]:
    """A representative's search: among the structures findable by other structures."""
    if not seeker.is_active() or seeker.audience != Audience.EVERYONE:
        raise FinderError(
            "Pour chercher des partenaires, votre structure doit elle aussi accepter d'être "
            "trouvée par les autres structures."
        )
    return ranked(
        seeker,
        FinderProfile.objects.findable_by_structures(),
        departement=departement,
        domain=domain,
        limit=limit,
    )
