"""Migration 0002 keeps each existing consultation's terms as its first frozen version and marks
it as the one sent to the providers already invited."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.competition.helpers import make_consultation, send
from tests.diagnostic.helpers import make_cohort


@pytest.mark.django_db(transaction=True)
def test_existing_consultations_get_their_terms_frozen():
    setup = make_cohort(seed=31)
    consultation = send(setup, make_consultation(setup))
    consultation.terms_versions.all().delete()  # as before 0002: no versions
    executor = MigrationExecutor(connection)
    executor.migrate([("competition", "0001_initial")])
    executor = MigrationExecutor(connection)
    executor.migrate([("competition", "0002_provider_accounts")])
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # the later columns, for the models
    from coopess.competition.models import Consultation

    consultation = Consultation.objects.get(pk=consultation.pk)
    version = consultation.terms_versions.get()
    assert version.number == consultation.version and version.sent_at is not None
    assert version.content["budget_ceiling"] == str(consultation.budget_ceiling)
    frozen = version.as_consultation()
    assert frozen.deadline == consultation.deadline and frozen.context == consultation.context
    assert all(c.sent_version == version for c in consultation.consulted.all())
