"""People, the organisations they work for and the roles they hold.

A user signs in with an email address. Roles are granted per organisation: an officer
belongs to one DLA operator and sees only its calls; a reviewer, a consultant or a funder
is attached to the organisation that appointed them. A person may hold several roles.
"""

from __future__ import annotations

from functools import cached_property

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class Role(models.TextChoices):
    APPLICANT = "applicant", "Représentant·e de structure"
    OFFICER = "officer", "Chargé·e d'accompagnement DLA"
    REVIEWER = "reviewer", "Membre du comité de sélection"
    CONSULTANT = "consultant", "Consultant·e"
    FUNDER = "funder", "Financeur"
    ADMIN = "admin", "Administrateur·rice"


# Roles that see more than their own structure's data: they must use a second factor.
STAFF_ROLES = frozenset({Role.OFFICER, Role.REVIEWER, Role.CONSULTANT, Role.FUNDER, Role.ADMIN})


class OrganisationKind(models.TextChoices):
    DLA_OPERATOR = "dla_operator", "Opérateur DLA"
    FUNDER = "funder", "Financeur"
    CONSULTING_FIRM = "consulting_firm", "Cabinet de conseil"
    OTHER = "other", "Autre"


class Organisation(models.Model):
    name = models.CharField("nom", max_length=200)
    short_name = models.CharField("nom court", max_length=60, blank=True)
    kind = models.CharField("type", max_length=20, choices=OrganisationKind.choices)
    region_code = models.CharField(
        "code région (INSEE)", max_length=3, blank=True, help_text="52 pour les Pays de la Loire."
    )
    email = models.EmailField("adresse de contact", blank=True)
    website = models.URLField("site web", blank=True)

    class Meta:
        verbose_name = "organisation"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "kind", name="organisation_unique_name_kind")
        ]

    def __str__(self) -> str:
        return self.short_name or self.name


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        """An administrator: the admin role with no organisation (``createsuperuser``)."""
        user = self.create_user(email, password, **fields)
        RoleAssignment.objects.create(user=user, role=Role.ADMIN)
        return user


class User(AbstractBaseUser):
    email = models.EmailField("adresse électronique", unique=True)
    first_name = models.CharField("prénom", max_length=150, blank=True)
    last_name = models.CharField("nom", max_length=150, blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    is_active = models.BooleanField("actif", default=True)
    date_joined = models.DateTimeField("inscrit le", default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = "utilisateur·rice"
        ordering = ["email"]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    # Roles ------------------------------------------------------------------------------
    @cached_property
    def role_assignments(self) -> list[RoleAssignment]:
        """Every role this user holds, read once per request."""
        return list(self.roles_held.select_related("organisation"))

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(assignment.role for assignment in self.role_assignments)

    def has_role(self, *roles: str) -> bool:
        return not self.roles.isdisjoint(roles)

    def organisations_for(self, role: str) -> list[Organisation]:
        return [a.organisation for a in self.role_assignments if a.role == role and a.organisation]

    @property
    def needs_second_factor(self) -> bool:
        return not self.roles.isdisjoint(STAFF_ROLES)

    # What the Django admin expects ------------------------------------------------------
    @property
    def is_staff(self) -> bool:
        """Only administrators reach the Django admin."""
        return self.is_active and self.has_role(Role.ADMIN)

    @property
    def is_superuser(self) -> bool:
        return self.is_staff

    def has_perm(self, perm: str, obj=None) -> bool:
        return self.is_staff

    def has_perms(self, perm_list, obj=None) -> bool:
        return self.is_staff

    def has_module_perms(self, app_label: str) -> bool:
        return self.is_staff


class RoleAssignment(models.Model):
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="roles_held", verbose_name="personne"
    )
    role = models.CharField("rôle", max_length=20, choices=Role.choices)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name="organisation",
    )
    granted_at = models.DateTimeField("attribué le", default=timezone.now)

    class Meta:
        verbose_name = "rôle attribué"
        verbose_name_plural = "rôles attribués"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "organisation"], name="role_assignment_unique"
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=models.Q(organisation__isnull=True),
                name="role_assignment_unique_without_organisation",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="role_assignment_valid_role"
            ),
            models.CheckConstraint(
                condition=~models.Q(role="officer") | models.Q(organisation__isnull=False),
                name="role_assignment_officer_has_operator",
            ),
        ]

    def __str__(self) -> str:
        suffix = f" — {self.organisation}" if self.organisation_id else ""
        return f"{self.get_role_display()}{suffix}"
