"""Bad input and failures: a French page for the visitor, English for the operator, no trace."""

import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.db import OperationalError
from django.urls import reverse

from tests.factories import make_seed_call
from tests.text import page_text

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/nexiste-pas/",
        "/appels/inconnu/",
        "/demo/courriels/abc/",
        "/appels/%00/",
        "/espace/../../etc/passwd",
    ],
)
def test_unknown_or_malformed_urls_get_the_french_404(client, url):
    response = client.get(url)
    assert response.status_code == 404
    text = page_text(response.content)
    assert "Page introuvable" in text
    assert "Traceback" not in text


@pytest.mark.django_db
def test_unexpected_error_gets_the_french_500_without_trace(client):
    make_seed_call()
    client.raise_request_exception = False
    with mock.patch("coopess.calls.views.call_timeline", side_effect=RuntimeError("boom")):
        response = client.get(reverse("calls:list"))
    assert response.status_code == 500
    text = page_text(response.content)
    assert "Une erreur s'est produite" in text
    assert "boom" not in text and "Traceback" not in text


@pytest.mark.django_db
def test_unreachable_database_gets_the_french_503(client, caplog):
    """The database is outside the process: make its connection fail as a down server does."""
    client.raise_request_exception = False
    error = OperationalError(
        'connection to server at "127.0.0.1", port 5432 failed: Connection refused'
    )
    with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=error):
        response = client.get(reverse("calls:list"))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    text = page_text(response.content)
    assert "Service momentanément indisponible" in text
    assert "5432" not in text
    assert "Database unreachable" in caplog.text


def run_python(code: str, **env) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "COOPESS_ENV"}}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_secret_key():
    result = run_python(
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup()",
        COOPESS_ENV="production",
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_unknown_environment_is_refused():
    result = run_python(
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup()",
        COOPESS_ENV="staging",
    )
    assert result.returncode != 0
    assert "COOPESS_ENV must be production, development or test" in result.stderr


def test_unreachable_database_url_gives_an_operator_message():
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--check"],
        cwd=ROOT,
        env={
            **os.environ,
            "COOPESS_ENV": "development",
            "DATABASE_URL": "postgres://coopess@127.0.0.1:9/coopess",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "connection" in result.stderr.lower() and "127.0.0.1" in result.stderr


@pytest.mark.django_db
def test_html_pages_carry_a_strict_content_security_policy(client):
    for url in (
        reverse("home:index"),
        reverse("calls:list"),
        reverse("account_request_login_code"),
    ):
        policy = client.get(url)["Content-Security-Policy"]
        assert "default-src 'self'" in policy
        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert "frame-ancestors 'none'" in policy
