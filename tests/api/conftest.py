import pytest

from tests.api.helpers import make_token
from tests.diagnostic.helpers import make_cohort


@pytest.fixture
def setup(db):
    """A published call of one DLA with a cohort of two retained applications (3 structures)."""
    cohort = make_cohort(applications=(2, 1), seed=3)
    cohort.call.is_published = True
    cohort.call.save(update_fields=["is_published"])
    return cohort


@pytest.fixture
def token(setup):
    """A token of the setup's DLA holding every scope: (token, clear value)."""
    return make_token(setup.call.operator, by=setup.officer)
