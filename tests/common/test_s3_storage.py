"""Media files in an S3-compatible bucket (MEDIA_STORAGE=s3).

The object store is moto's in-process mock of S3 (``mock_aws``): the real django-storages and
boto3 code runs, only the HTTP calls are answered in memory. Covered: how the settings select
and configure the storage, an attachment uploaded, downloaded through the permission-checked
view and deleted, an upload refused when the bucket cannot be written, and a backup of the
bucket restored into another, empty one.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import os
import re
import runpy
import secrets
import subprocess
import sys
import tarfile
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage, StorageHandler, default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from moto import mock_aws

from coopess.accounts.models import Role
from coopess.applications import services
from coopess.applications.models import Attachment
from coopess.common.backup import row_counts
from coopess.common.storage import MediaS3Storage
from tests.applications.helpers import complete_application, open_call, pdf_upload
from tests.conftest import sign_in
from tests.factories import make_user

ROOT = Path(django_settings.BASE_DIR)
SETTINGS_FILE = ROOT / "config" / "settings.py"
REGION = "eu-west-3"
BUCKET = "coopess-media-test"
S3_ENV = {
    "MEDIA_STORAGE": "s3",
    "AWS_STORAGE_BUCKET_NAME": BUCKET,
    "AWS_S3_REGION_NAME": REGION,
    "AWS_ACCESS_KEY_ID": "testing-access-key",
    "AWS_SECRET_ACCESS_KEY": "testing-secret-key",
}
S3_VARIABLES = [
    "MEDIA_STORAGE",
    "AWS_STORAGE_BUCKET_NAME",
    "AWS_S3_ENDPOINT_URL",
    "AWS_S3_REGION_NAME",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_S3_ADDRESSING_STYLE",
    "AWS_LOCATION",
    "AWS_DEFAULT_ACL",
]


def settings_with(monkeypatch, **variables) -> dict:
    """config/settings.py evaluated afresh with these environment variables (the running
    settings are untouched)."""
    for name in S3_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE), run_name="settings_probe")


def sha256(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


def bucket_hashes(client, bucket: str) -> dict[str, str]:
    hashes = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for entry in page.get("Contents", ()):
            body = client.get_object(Bucket=bucket, Key=entry["Key"])["Body"].read()
            hashes[entry["Key"]] = sha256(body)
    return hashes


# --- Settings ---------------------------------------------------------------------------------


def test_local_files_remain_the_default(monkeypatch):
    probe = settings_with(monkeypatch)
    assert probe["MEDIA_STORAGE"] == "local"
    assert probe["STORAGES"]["default"] == {
        "BACKEND": "django.core.files.storage.FileSystemStorage"
    }


def test_media_storage_s3_selects_the_s3_backend_with_the_given_options(monkeypatch):
    probe = settings_with(
        monkeypatch,
        **S3_ENV,
        AWS_S3_ENDPOINT_URL="https://s3.fr-par.scw.cloud",
        AWS_S3_ADDRESSING_STYLE="path",
        AWS_LOCATION="/coopess/",
    )
    backend = probe["STORAGES"]["default"]
    assert backend["BACKEND"] == "coopess.common.storage.MediaS3Storage"
    options = backend["OPTIONS"]
    assert options["bucket_name"] == BUCKET
    assert options["endpoint_url"] == "https://s3.fr-par.scw.cloud"
    assert options["region_name"] == REGION
    assert options["access_key"] == "testing-access-key"
    assert options["secret_key"] == "testing-secret-key"
    assert options["addressing_style"] == "path"
    assert options["location"] == "coopess"
    assert options["default_acl"] == "private"
    assert options["querystring_auth"] is False  # never a signed URL that bypasses the views
    assert options["file_overwrite"] is False
    # The STORAGES entry builds: the static files keep their own backend.
    storage = StorageHandler(probe["STORAGES"])["default"]
    assert isinstance(storage, MediaS3Storage)
    assert storage.bucket_name == BUCKET
    assert storage.default_acl == "private"
    assert storage.querystring_auth is False
    assert probe["STORAGES"]["staticfiles"] != backend


def test_optional_s3_variables_fall_back_to_boto3_defaults(monkeypatch):
    probe = settings_with(
        monkeypatch,
        MEDIA_STORAGE="S3",
        AWS_STORAGE_BUCKET_NAME=BUCKET,
        AWS_DEFAULT_ACL="",
    )
    options = probe["STORAGES"]["default"]["OPTIONS"]
    assert options["endpoint_url"] is None  # Amazon S3 itself
    assert options["region_name"] is None
    assert options["access_key"] is None  # boto3's chain: instance role, ~/.aws
    assert options["secret_key"] is None
    assert options["default_acl"] is None  # bucket with ACLs disabled
    assert options["location"] == ""


def test_a_missing_bucket_name_is_refused_in_settings(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="AWS_STORAGE_BUCKET_NAME is not set"):
        settings_with(monkeypatch, MEDIA_STORAGE="s3", AWS_S3_REGION_NAME=REGION)


def test_an_unknown_media_storage_is_refused(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="MEDIA_STORAGE must be local or s3"):
        settings_with(monkeypatch, MEDIA_STORAGE="ftp")


def production_env(tmp_path, **extra) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "COOPESS_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "coopess.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy-check.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "STATIC_ROOT": str(tmp_path / "static"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    env.update(extra)
    return env


def test_a_missing_bucket_name_stops_start_up_with_a_clear_message(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=production_env(tmp_path, MEDIA_STORAGE="s3"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "MEDIA_STORAGE=s3 but AWS_STORAGE_BUCKET_NAME is not set" in result.stderr


def test_check_deploy_passes_with_s3_media(tmp_path):
    env = production_env(
        tmp_path,
        **S3_ENV,
        AWS_S3_ENDPOINT_URL="https://s3.fr-par.scw.cloud",
        AWS_S3_ADDRESSING_STYLE="path",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- The mocked bucket ------------------------------------------------------------------------


def s3_backend(monkeypatch, bucket: str = BUCKET) -> dict:
    """The STORAGES entry that the real settings build for MEDIA_STORAGE=s3."""
    probe = settings_with(monkeypatch, **{**S3_ENV, "AWS_STORAGE_BUCKET_NAME": bucket})
    return probe["STORAGES"]["default"]


def use_bucket(settings, monkeypatch, bucket: str = BUCKET) -> None:
    settings.STORAGES = {**settings.STORAGES, "default": s3_backend(monkeypatch, bucket)}


@pytest.fixture
def s3(settings, monkeypatch, tmp_path):
    """A mocked S3 with an empty private bucket, selected as the media storage. MEDIA_ROOT
    points at an empty directory that must stay empty."""
    for name in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)
    settings.MEDIA_ROOT = tmp_path / "local-media"
    with mock_aws():
        client = boto3.client(
            "s3",
            region_name=REGION,
            aws_access_key_id=S3_ENV["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=S3_ENV["AWS_SECRET_ACCESS_KEY"],
        )
        client.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        use_bucket(settings, monkeypatch)
        yield client
    assert not Path(settings.MEDIA_ROOT).exists() or not any(Path(settings.MEDIA_ROOT).iterdir())


def upload_fields(content: str) -> dict[str, str]:
    """The hidden fields of the first upload form of the documents page."""
    form = re.search(r'<form[^>]*class="form upload-form".*?</form>', content, re.S)[0]
    return dict(
        re.findall(
            r'<input type="hidden" name="(document|structure|question)" value="(\d+)">', form
        )
    )


def app_url(name: str, application, *args) -> str:
    return reverse(f"applications:{name}", args=[application.public_id, *args])


@pytest.mark.django_db
def test_an_attachment_goes_to_the_bucket_and_back_through_the_protected_view(s3, client):
    assert isinstance(Attachment._meta.get_field("file").storage, MediaS3Storage)
    call = open_call()
    lead = make_user(Role.APPLICANT)
    application = complete_application(call, lead=lead)
    sign_in(client, lead)
    before = set(application.attachments.values_list("pk", flat=True))

    page = client.get(app_url("section", application, "pieces"))
    upload = pdf_upload("Statuts signés.pdf")
    payload = upload.read()
    upload.seek(0)
    response = client.post(
        app_url("attachment_upload", application),
        {**upload_fields(page.content.decode()), "file": upload},
    )
    assert response.status_code == 302
    attachment = application.attachments.exclude(pk__in=before).get()
    assert attachment.original_name == "Statuts signés.pdf"
    key = attachment.file.name
    assert re.search(r"^documents/.*/[0-9a-f]{32}\.pdf$", key)  # unguessable

    # In the bucket, private, with the content type of its detected kind.
    stored = s3.get_object(Bucket=BUCKET, Key=key)
    assert stored["Body"].read() == payload
    assert stored["ContentType"] == "application/pdf"
    grants = s3.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]
    assert all(grant["Grantee"]["Type"] == "CanonicalUser" for grant in grants)
    # Nothing hands out a signed link that would bypass the permission checks.
    assert "Signature" not in attachment.file.url
    assert "X-Amz-" not in attachment.file.url

    # Downloaded through the view, which reads it through the storage.
    download = app_url("attachment_download", application, attachment.public_id)
    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == payload
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Length"] == str(len(payload))
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"

    # Someone else is still refused.
    stranger = Client()
    sign_in(stranger, make_user(Role.APPLICANT))
    assert stranger.get(download).status_code == 404

    # Deleted: gone from the bucket too.
    response = client.post(app_url("attachment_delete", application, attachment.public_id))
    assert response.status_code == 302
    assert not Attachment.objects.filter(pk=attachment.pk).exists()
    with pytest.raises(ClientError) as error:
        s3.head_object(Bucket=BUCKET, Key=key)
    assert error.value.response["Error"]["Code"] == "404"
    assert client.get(download).status_code == 404


@pytest.mark.django_db
def test_an_unwritable_bucket_refuses_the_upload_and_keeps_the_draft(
    s3, client, settings, monkeypatch
):
    call = open_call()
    lead = make_user(Role.APPLICANT)
    application = complete_application(call, lead=lead)
    sign_in(client, lead)
    count = application.attachments.count()
    page = client.get(app_url("section", application, "pieces"))
    use_bucket(settings, monkeypatch, bucket="coopess-no-such-bucket")

    response = client.post(
        app_url("attachment_upload", application),
        {**upload_fields(page.content.decode()), "file": pdf_upload()},
    )
    assert response.status_code == 400  # as when the local MEDIA_ROOT cannot be written
    assert "n'a pas pu être enregistré pour une raison technique" in html.unescape(
        response.content.decode()
    )
    assert application.attachments.count() == count
    application.refresh_from_db()
    assert application.status == "draft"
    assert application.project_title == "Mutualiser un poste"


# --- Backup and restore -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_with_media_in_a_bucket(s3, settings, monkeypatch, tmp_path):
    application = complete_application(partners=1)
    services.application_submit(application=application, by=application.created_by)
    source_media = bucket_hashes(s3, BUCKET)
    assert len(source_media) >= 3  # the lead's and the partner's documents, the receipt
    assert set(source_media) == set(Attachment.objects.values_list("file", flat=True))
    source_counts = row_counts()

    archive_path = tmp_path / "coopess.tar.gz"
    out = io.StringIO()
    call_command("backup", output=str(archive_path), stdout=out)
    assert f"{len(source_media)} media files" in out.getvalue()
    with tarfile.open(archive_path, "r:gz") as archive:
        manifest = json.load(archive.extractfile("manifest.json"))
        names = set(archive.getnames())
    assert manifest["media"] == source_media
    assert {f"media/{key}" for key in source_media} <= names

    # A new, empty database and a new, empty bucket.
    call_command("flush", interactive=False, verbosity=0)
    s3.create_bucket(
        Bucket="coopess-restored", CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    use_bucket(settings, monkeypatch, bucket="coopess-restored")

    out = io.StringIO()
    call_command("restore", str(archive_path), stdout=out)
    assert f"{len(source_media)} media files restored into s3://coopess-restored" in out.getvalue()
    assert "Row counts match" in out.getvalue()
    assert row_counts() == source_counts
    assert bucket_hashes(s3, "coopess-restored") == source_media
    for key in source_media:  # restored objects are private too
        grants = s3.get_object_acl(Bucket="coopess-restored", Key=key)["Grants"]
        assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]
    # The restored attachments are served from the restored bucket.
    attachment = Attachment.objects.filter(is_receipt=False).first()
    with attachment.file.open("rb") as handle:
        assert sha256(handle.read()) == source_media[attachment.file.name]


@pytest.mark.django_db(transaction=True)
def test_restore_stops_before_the_database_when_the_bucket_is_unreachable(
    s3, settings, monkeypatch, tmp_path
):
    complete_application()
    archive_path = tmp_path / "coopess.tar.gz"
    call_command("backup", output=str(archive_path), stdout=io.StringIO())
    call_command("flush", interactive=False, verbosity=0)
    use_bucket(settings, monkeypatch, bucket="coopess-no-such-bucket")
    with pytest.raises(CommandError, match="cannot be written"):
        call_command("restore", str(archive_path), stdout=io.StringIO())
    assert Attachment.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_local_backup_restores_into_a_bucket(s3, settings, monkeypatch, tmp_path):
    """Moving from local files to S3: back up with MEDIA_STORAGE=local, restore with s3."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    settings.MEDIA_ROOT = tmp_path / "old-media"
    assert isinstance(default_storage, FileSystemStorage)
    complete_application()
    local = {
        path.relative_to(settings.MEDIA_ROOT).as_posix(): sha256(path.read_bytes())
        for path in Path(settings.MEDIA_ROOT).rglob("*")
        if path.is_file()
    }
    assert local
    archive_path = tmp_path / "coopess.tar.gz"
    call_command("backup", output=str(archive_path), stdout=io.StringIO())

    call_command("flush", interactive=False, verbosity=0)
    settings.MEDIA_ROOT = tmp_path / "local-media"
    use_bucket(settings, monkeypatch)
    call_command("restore", str(archive_path), stdout=io.StringIO())
    assert bucket_hashes(s3, BUCKET) == local
