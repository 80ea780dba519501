from django.db import models


class DemoEmail(models.Model):
    """A copy of an email sent while CoopESS runs as a demo, readable in the browser.

    Only written by the demo mail backend; production sends through SMTP and keeps nothing.
    """

    sent_at = models.DateTimeField("envoyé le", auto_now_add=True)
    from_email = models.CharField("expéditeur", max_length=254)
    to = models.TextField("destinataires")
    subject = models.CharField("objet", max_length=998)
    body = models.TextField("texte")
    html_body = models.TextField("version HTML", blank=True)

    class Meta:
        verbose_name = "courriel de démonstration"
        verbose_name_plural = "courriels de démonstration"
        ordering = ["-sent_at", "-pk"]

    def __str__(self) -> str:
        return self.subject


class SitePage(models.Model):
    """A page whose text the operator writes (privacy, accessibility statement, legal notice)."""

    class Slug(models.TextChoices):
        PRIVACY = "privacy", "Données personnelles"
        ACCESSIBILITY = "accessibility", "Déclaration d'accessibilité"
        LEGAL = "legal", "Mentions légales"

    slug = models.CharField("page", max_length=20, choices=Slug.choices, unique=True)
    title = models.CharField("titre", max_length=200)
    body = models.TextField(
        "texte", help_text="Markdown : **gras**, listes avec « - », intertitres avec « ## »."
    )
    updated_at = models.DateTimeField("mise à jour", auto_now=True)

    class Meta:
        verbose_name = "page éditable"
        verbose_name_plural = "pages éditables"

    def __str__(self) -> str:
        return self.get_slug_display()
