"""Backup and restore: a full round trip into a fresh PostgreSQL, and the refusals."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from coopess.applications import services
from coopess.applications.models import Attachment
from coopess.common.backup import row_counts
from tests.applications.helpers import complete_application

BASE_DIR = Path(django_settings.BASE_DIR)
PG_SCRIPT = BASE_DIR / "scripts" / "pg_throwaway.sh"
INITDB = Path("/usr/lib/postgresql/15/bin/initdb")

COUNTS_SCRIPT = """
import json
import django
django.setup()
from coopess.common.backup import row_counts
print(json.dumps(row_counts()))
"""


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def media_hashes(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): sha256(path)
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def child_env(database_url: str, media_root: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST", "DJANGO_", "TASKS_"))
    }
    env.update(
        COOPESS_ENV="test",
        DATABASE_URL=database_url,
        MEDIA_ROOT=str(media_root),
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    return env


def add_bytes(archive: tarfile.TarFile, name: str, payload: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(payload)
    archive.addfile(info, io.BytesIO(payload))


def forged_archive(path: Path, media: dict[str, bytes], manifest_media: dict[str, str]) -> Path:
    manifest = {
        "format_version": 1,
        "created_at": "2025-01-01T00:00:00+00:00",
        "database_vendor": "sqlite",
        "migrations": {},
        "row_counts": {},
        "media": manifest_media,
    }
    with tarfile.open(path, "w:gz") as archive:
        add_bytes(archive, "data.json", b"[]")
        for name, payload in media.items():
            add_bytes(archive, name, payload)
        add_bytes(archive, "manifest.json", json.dumps(manifest).encode())
    return path


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def source_data(media_root):
    application = complete_application(partners=1)
    services.application_submit(application=application, by=application.created_by)
    return application


@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_into_a_fresh_postgresql(source_data, media_root, tmp_path):
    archive_path = tmp_path / "coopess-20250101-1200.tar.gz"
    call_command("backup", output=str(archive_path), stdout=io.StringIO())

    source_counts = row_counts()
    source_media = media_hashes(media_root)
    assert Attachment.objects.count() >= 2
    assert len(source_media) >= 2

    with tarfile.open(archive_path, "r:gz") as archive:
        names = set(archive.getnames())
        manifest = json.load(archive.extractfile("manifest.json"))
    assert {"manifest.json", "data.json"} <= names
    assert {f"media/{name}" for name in source_media} <= names
    assert manifest["format_version"] == 1
    assert manifest["media"] == source_media
    assert manifest["row_counts"] == source_counts
    assert "0001_initial" in manifest["migrations"]["applications"]
    assert manifest["database_vendor"] == connection.vendor

    if not INITDB.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{INITDB} is missing: PostgreSQL 15 is required in CI.")
        pytest.skip(f"{INITDB} is missing: no throwaway PostgreSQL.")

    # Not under tmp_path: pytest's directories are private to root, and the cluster runs as
    # the postgres user, which must be able to reach its data directory.
    pg_parent = Path(tempfile.mkdtemp(prefix="coopess-pg-"))
    pg_parent.chmod(0o755)
    pg_dir = pg_parent / "pg"
    restored_media = tmp_path / "restored-media"
    try:
        database_url = subprocess.run(
            ["bash", str(PG_SCRIPT), "start", str(pg_dir)],
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout.strip()
        env = child_env(database_url, restored_media)
        restored = subprocess.run(
            [sys.executable, "manage.py", "restore", str(archive_path)],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert restored.returncode == 0, restored.stdout + restored.stderr
        assert "Row counts match" in restored.stdout

        counted = subprocess.run(
            [sys.executable, "-c", COUNTS_SCRIPT],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        assert json.loads(counted.stdout.strip().splitlines()[-1]) == source_counts
        assert media_hashes(restored_media) == source_media

        # Sequences were reset: a new row does not collide with a restored one.
        created = subprocess.run(
            [
                sys.executable,
                "-c",
                "import django; django.setup()\n"
                "from coopess.accounts.models import Organisation\n"
                "Organisation.objects.create(name='Après restauration')\n",
            ],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert created.returncode == 0, created.stderr

        # A second restore into the now non-empty database refuses.
        again = subprocess.run(
            [sys.executable, "manage.py", "restore", str(archive_path)],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert again.returncode != 0
        assert "not empty" in again.stderr
    finally:
        subprocess.run(["bash", str(PG_SCRIPT), "stop", str(pg_dir)], check=False, timeout=120)
        shutil.rmtree(pg_parent, ignore_errors=True)


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_non_empty_database(source_data, tmp_path):
    archive_path = tmp_path / "backup.tar.gz"
    call_command("backup", output=str(archive_path), stdout=io.StringIO())
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(archive_path), stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", ["media/../evil.txt", "/etc/evil.txt", "media/a/../../evil.txt"])
def test_restore_refuses_path_traversal(name, media_root, tmp_path):
    payload = b"evil"
    digest = hashlib.sha256(payload).hexdigest()
    key = name.removeprefix("media/")
    archive_path = forged_archive(tmp_path / "evil.tar.gz", {name: payload}, {key: digest})
    with pytest.raises(CommandError, match="path traversal"):
        call_command("restore", str(archive_path), stdout=io.StringIO())
    assert not (tmp_path / "evil.txt").exists()
    assert not Path(media_root).exists() or not any(Path(media_root).rglob("*"))


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_tampered_media_file(media_root, tmp_path):
    archive_path = forged_archive(
        tmp_path / "tampered.tar.gz",
        {"media/documents/statuts.pdf": b"%PDF-1.4 tampered"},
        {"documents/statuts.pdf": hashlib.sha256(b"%PDF-1.4 original").hexdigest()},
    )
    with pytest.raises(CommandError, match="sha256"):
        call_command("restore", str(archive_path), stdout=io.StringIO())
    assert not (Path(media_root) / "documents" / "statuts.pdf").exists()
