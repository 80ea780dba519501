"""Who may do what on an application. Outside one's applications, everything is « not found »."""

from __future__ import annotations

from coopess.applications.models import AccessRole, ApplicationAccess, ApplicationStructure


def can_edit_application(access: ApplicationAccess) -> bool:
    """The application-wide sections (type, project, questions, partners, submission)."""
    return access.role == AccessRole.LEAD


def can_edit_structure(access: ApplicationAccess, structure: ApplicationStructure) -> bool:
    """Each structure's people fill its own part."""
    return access.structure_id == structure.pk


def can_withdraw(access: ApplicationAccess) -> bool:
    return access.role == AccessRole.LEAD


def can_attach(access: ApplicationAccess, structure: ApplicationStructure | None) -> bool:
    """The lead attaches anything; a partner attaches its own structure's documents."""
    return can_edit_application(access) or (
        structure is not None and can_edit_structure(access, structure)
    )
