"""What the API answers (pydantic schemas: the OpenAPI 3.1 schema is generated from them).

Identifiers are UUIDs (``public_id``), never row ids. Field descriptions are in French: they are
the documentation page."""

from __future__ import annotations

import datetime as dt
import uuid

from ninja import Field, Schema


class Problem(Schema):
    type: str = Field(description="Adresse qui identifie le type d'erreur.")
    title: str = Field(description="Intitulé court de l'erreur.")
    status: int = Field(description="Code HTTP.")
    detail: str = Field(description="Explication, en français.")
    instance: str = Field(description="Chemin de la requête.")


class CallOut(Schema):
    id: uuid.UUID = Field(description="Identifiant stable de l'appel.")
    slug: str
    title: str
    subtitle: str
    theme: str
    summary: str
    edition: str
    opens_at: dt.datetime = Field(description="Ouverture des candidatures.")
    closes_at: dt.datetime = Field(description="Clôture des candidatures.")
    is_open: bool = Field(description="Les candidatures sont ouvertes en ce moment.")
    max_structures: int = Field(description="Nombre maximal de structures accompagnées.")
    region_code: str = Field(description="Code INSEE de la région.")
    url: str = Field(description="Page publique de l'appel.")
    updated_at: dt.datetime


class CallPage(Schema):
    items: list[CallOut]
    next_cursor: str | None = Field(description="À passer en « cursor » pour la page suivante.")


class RepresentativeOut(Schema):
    first_name: str
    last_name: str
    role: str
    email: str
    phone: str


class StructureOut(Schema):
    id: uuid.UUID
    is_lead: bool = Field(description="Structure cheffe de file.")
    name: str
    siret: str
    rna: str
    address: str
    postal_code: str
    commune: str
    commune_code: str = Field(description="Code INSEE de la commune.")
    departement: str
    legal_form: str
    legal_category_code: str
    naf_code: str
    esus_approved: bool | None
    network_affiliation: str
    employees: int | None
    fte: float | None = Field(description="Équivalents temps plein.")
    volunteers: int | None
    confirmed: bool = Field(description="La participation de la structure est confirmée.")
    representatives: list[RepresentativeOut]


class DecisionOut(Schema):
    outcome: str = Field(description="selected, waitlisted ou rejected.")
    outcome_label: str
    reasons: list[str]
    comment: str
    decided_at: dt.datetime
    letter_sent_at: dt.datetime | None


class ApplicationOut(Schema):
    id: uuid.UUID
    call: uuid.UUID
    status: str
    status_label: str
    kind: str
    receipt_number: str | None
    project_title: str
    lead_name: str
    structure_count: int
    eligibility: str
    average_score: float | None = Field(description="Note moyenne du comité, sur 20.")
    maturity_stage: str | None
    shared_domains: list[str]
    goals: list[str]
    envisaged_forms: list[str]
    submitted_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    structures: list[StructureOut]
    decision: DecisionOut | None = Field(description="La décision en vigueur, s'il y en a une.")
    cohort: uuid.UUID | None = Field(description="La cohorte que la candidature a rejointe.")


class ApplicationPage(Schema):
    items: list[ApplicationOut]
    next_cursor: str | None


class EngagementOut(Schema):
    firm: str = Field(description="Cabinet de conseil.")
    budget: float = Field(description="Budget en euros TTC.")
    planned_half_days: int
    starts_on: dt.date
    ends_on: dt.date


class SessionOut(Schema):
    id: uuid.UUID
    title: str
    kind: str = Field(description="collective ou individual.")
    structure: uuid.UUID | None = Field(description="La structure d'une séance individuelle.")
    half_day: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    mode: str
    status: str = Field(description="planned, held ou cancelled.")
    held_at: dt.datetime | None


class MilestonesOut(Schema):
    diagnostic_started_at: dt.datetime | None
    interviews_held: int
    interviews_planned: int
    workshop_at: dt.datetime | None
    synthesis_validated_at: dt.datetime | None


class CohortOut(Schema):
    id: uuid.UUID
    call: uuid.UUID
    name: str
    status: str
    status_label: str
    created_at: dt.datetime
    applications: list[uuid.UUID] = Field(description="Les candidatures de la cohorte.")
    diagnostic: MilestonesOut
    engagement: EngagementOut | None
    sessions: list[SessionOut]


class CohortPage(Schema):
    items: list[CohortOut]
    next_cursor: str | None


class FollowUpOut(Schema):
    id: uuid.UUID
    cohort: uuid.UUID
    application: uuid.UUID
    structure: uuid.UUID
    structure_name: str
    offset_months: int = Field(description="Échéance, en mois après l'accompagnement.")
    due_on: dt.date
    status: str = Field(description="scheduled, sent, answered ou overdue.")
    sent_on: dt.date | None
    answered_at: dt.datetime | None
    answers: dict = Field(description="Les réponses, une fois le suivi répondu.")


class FollowUpPage(Schema):
    items: list[FollowUpOut]
    next_cursor: str | None


class ColumnOut(Schema):
    key: str
    label: str
    kind: str = Field(description="count, decimal, days, percent ou euros.")


class CellOut(Schema):
    column: str
    value: int | float | None = Field(description="Le nombre, ou null s'il est masqué.")
    text: str = Field(description="Le nombre mis en forme, ou « < 3 » / « n.c. ».")
    hidden: bool = Field(description="Masqué par le secret statistique.")


class RowOut(Schema):
    key: str
    label: str
    is_total: bool
    cells: list[CellOut]


class IndicatorOut(Schema):
    code: str
    section: str
    label: str
    definition: str
    category: str
    columns: list[ColumnOut]
    rows: list[RowOut]
    notes: list[str]


class IndicatorsOut(Schema):
    computed_at: dt.datetime
    secrecy: bool = Field(description="Version financeur : effectifs inférieurs à 3 masqués.")
    secrecy_note: str
    calls: list[uuid.UUID]
    indicators: list[IndicatorOut]
