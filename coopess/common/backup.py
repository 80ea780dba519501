"""Backing up and restoring CoopESS: the database (as Django fixtures) and the media files.

One ``.tar.gz`` archive holds:

- ``data.json``: ``dumpdata`` of every app (natural keys), portable between SQLite and
  PostgreSQL, so that the embedded default and production use the same procedure;
- ``media/…``: every file of the media storage: the files under ``MEDIA_ROOT`` (the default,
  ``MEDIA_STORAGE=local``) or the objects of the bucket (``MEDIA_STORAGE=s3``), read through
  Django's storage API; an archive made from one restores into the other;
- ``manifest.json``: format version, creation time (UTC), applied migrations per app, database
  vendor, row counts per model and the sha256 of every media file.

A restore goes into an EMPTY, freshly migrated database, checks every media file against its
hash and the row counts against the manifest, and writes the media files into the configured
storage (``MEDIA_ROOT`` or the bucket). Messages are for operators: in English.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
import time
from collections import Counter
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, default_storage
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATA = "data.json"
MEDIA_PREFIX = "media/"
CHUNK = 1024 * 1024

# Not dumped: rebuilt by ``migrate`` (content types, permissions) or transient (sessions, admin
# log, background task results). The database cache table is not a model: never dumped.
EXCLUDED = [
    "contenttypes",
    "auth.permission",
    "sessions",
    "admin.logentry",
    "django_tasks_database",
]

# A database with a row in any of these is not empty: a restore refuses to touch it.
NON_EMPTY_MARKERS = [
    "accounts.User",
    "accounts.Organisation",
    "calls.Call",
    "applications.Application",
]


class BackupError(Exception):
    """An operator-facing refusal: the message says what is wrong and what to do."""


def _excluded(model) -> bool:
    meta = model._meta
    return (
        meta.app_label in EXCLUDED
        or meta.label in EXCLUDED
        or meta.label_lower in EXCLUDED
        or meta.proxy
        or not meta.managed
    )


def dumped_models() -> list:
    return [model for model in apps.get_models() if not _excluded(model)]


def row_counts() -> dict[str, int]:
    """Rows per dumped model in the current database."""
    return {model._meta.label: model._default_manager.count() for model in dumped_models()}


def applied_migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app_label, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app_label, []).append(name)
    return applied


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class _HashingReader:
    """Reads a file for ``tarfile`` while computing its sha256 (one pass, no memory)."""

    def __init__(self, handle):
        self.handle = handle
        self.digest = hashlib.sha256()

    def read(self, size=-1):
        chunk = self.handle.read(size)
        self.digest.update(chunk)
        return chunk


def _local_root(storage: Storage) -> Path | None:
    """The directory of a local storage; ``None`` for an object store (S3…)."""
    if isinstance(storage, FileSystemStorage):
        return Path(storage.location)
    return None


def describe_storage(storage: Storage) -> str:
    """Where the media files are, for operators' messages."""
    root = _local_root(storage)
    if root is not None:
        return str(root)
    describe = getattr(storage, "describe", None)
    return describe() if callable(describe) else type(storage).__name__


def _media_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    files = []
    for directory, _dirs, names in os.walk(root):
        for name in names:
            path = Path(directory) / name
            if path.is_file() and not path.is_symlink():
                files.append(path)
    return sorted(files)


def _is_safe_name(name: str) -> bool:
    return (
        bool(name)
        and "\\" not in name
        and not name.startswith("/")
        and all(part not in ("", ".", "..") for part in name.split("/"))
    )


def _storage_files(storage: Storage, directory: str = "") -> list[str]:
    """Every file of a storage that is not a local directory (S3…), as storage names."""
    directories, files = storage.listdir(directory)
    names = [f"{directory}{name}" for name in files]
    for sub in directories:
        names.extend(_storage_files(storage, f"{directory}{sub}/"))
    return sorted(names)


def _add_storage_media(archive: tarfile.TarFile, storage: Storage, hashes: dict) -> None:
    where = describe_storage(storage)
    try:
        names = _storage_files(storage)
    except OSError as error:
        raise BackupError(f"Cannot list the media files in {where}: {error}") from error
    for name in names:
        if not _is_safe_name(name):
            raise BackupError(
                f"Refusing to back up: the media storage {where} holds an object with an unsafe "
                f"name {name!r}, which a restore would refuse. Move or delete it, then retry."
            )
        try:
            with storage.open(name, "rb") as handle:
                info = tarfile.TarInfo(MEDIA_PREFIX + name)
                info.size = handle.size
                info.mtime = int(time.time())
                info.mode = 0o640
                reader = _HashingReader(handle)
                archive.addfile(info, fileobj=reader)
        except OSError as error:
            raise BackupError(f"Cannot read media file {name!r} from {where}: {error}") from error
        hashes[name] = reader.digest.hexdigest()


def backup(output: Path) -> dict:
    """Write the archive to ``output``; return its manifest."""
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    storage = default_storage
    media_root = _local_root(storage)
    created_at = timezone.now().astimezone(datetime.UTC).isoformat()
    partial = output.with_name(output.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="coopess-backup-") as tmp:
        data_path = Path(tmp) / DATA
        with transaction.atomic():
            migrations = applied_migrations()
            with open(data_path, "w", encoding="utf-8") as handle:
                call_command(
                    "dumpdata",
                    "--natural-foreign",
                    "--natural-primary",
                    exclude=EXCLUDED,
                    stdout=handle,
                    verbosity=0,
                )
        # Counted from the dump itself: exactly what a restore will load.
        counts = dict.fromkeys(sorted(model._meta.label for model in dumped_models()), 0)
        with open(data_path, encoding="utf-8") as handle:
            for label, number in Counter(obj["model"] for obj in json.load(handle)).items():
                counts[apps.get_model(label)._meta.label] = number
        hashes: dict[str, str] = {}
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(data_path, arcname=DATA)
            if media_root is None:
                _add_storage_media(archive, storage, hashes)
            else:
                for path in _media_files(media_root):
                    relative = path.relative_to(media_root).as_posix()
                    info = archive.gettarinfo(str(path), arcname=MEDIA_PREFIX + relative)
                    with open(path, "rb") as handle:
                        reader = _HashingReader(handle)
                        archive.addfile(info, fileobj=reader)
                    hashes[relative] = reader.digest.hexdigest()
            manifest = {
                "format_version": FORMAT_VERSION,
                "created_at": created_at,
                "database_vendor": connection.vendor,
                "migrations": migrations,
                "row_counts": counts,
                "media": hashes,
            }
            payload = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(payload)
            info.mtime = int(time.time())
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(payload))
    os.replace(partial, output)
    return manifest


# --- Restore --------------------------------------------------------------------------------


def _safe_media_path(name: str) -> str:
    """The path under MEDIA_ROOT for a ``media/…`` member, or a refusal."""
    relative = name[len(MEDIA_PREFIX) :]
    pure = PurePosixPath(relative)
    if (
        not relative
        or "\\" in relative
        or pure.is_absolute()
        or any(part in ("..", "") for part in relative.split("/"))
    ):
        raise BackupError(f"Refusing the archive: unsafe path {name!r} (path traversal).")
    return pure.as_posix()


def _check_members(archive: tarfile.TarFile, manifest: dict) -> None:
    """Every member is expected and safe; every media file matches its sha256."""
    expected = dict(manifest.get("media", {}))
    seen: set[str] = set()
    has_data = False
    for member in archive:
        name = member.name
        if name.startswith("/") or ".." in PurePosixPath(name).parts:
            raise BackupError(f"Refusing the archive: unsafe path {name!r} (path traversal).")
        if member.isdir():
            continue
        if not member.isfile():
            raise BackupError(f"Refusing the archive: {name!r} is not a regular file.")
        if name == MANIFEST:
            continue
        if name == DATA:
            has_data = True
            continue
        if not name.startswith(MEDIA_PREFIX):
            raise BackupError(f"Refusing the archive: unexpected member {name!r}.")
        relative = _safe_media_path(name)
        if relative not in expected:
            raise BackupError(
                f"Refusing the archive: media file {relative!r} is not in the manifest."
            )
        digest = hashlib.sha256()
        handle = archive.extractfile(member)
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
        if digest.hexdigest() != expected[relative]:
            raise BackupError(
                f"Refusing the archive: media file {relative!r} does not match its sha256 "
                "in the manifest (corrupted or tampered archive)."
            )
        seen.add(relative)
    if not has_data:
        raise BackupError(f"Refusing the archive: {DATA} is missing.")
    missing = sorted(set(expected) - seen)
    if missing:
        raise BackupError(f"Refusing the archive: media files missing: {', '.join(missing[:10])}.")


def read_manifest(archive: tarfile.TarFile) -> dict:
    try:
        member = archive.getmember(MANIFEST)
    except KeyError:
        raise BackupError(f"Not a CoopESS backup: {MANIFEST} is missing.") from None
    manifest = json.load(archive.extractfile(member))
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"Unsupported backup format {manifest.get('format_version')!r} "
            f"(this code reads version {FORMAT_VERSION})."
        )
    return manifest


def check_empty() -> None:
    for label in NON_EMPTY_MARKERS:
        if apps.get_model(label)._default_manager.exists():
            raise BackupError(
                f"Refusing to restore: the target database is not empty ({label} has rows). "
                "Restore into a new, empty database."
            )


def check_migrations(manifest: dict) -> None:
    known = set(MigrationLoader(connection, ignore_no_migrations=True).disk_migrations)
    unknown = [
        f"{app_label}.{name}"
        for app_label, names in manifest.get("migrations", {}).items()
        for name in names
        if (app_label, name) not in known
    ]
    if unknown:
        raise BackupError(
            "Refusing to restore: the archive was made by a newer version of CoopESS; these "
            f"migrations are unknown to this code: {', '.join(sorted(unknown)[:10])}. "
            "Deploy the matching version first."
        )


def reset_sequences() -> None:
    if connection.vendor != "postgresql":
        return
    statements = connection.ops.sequence_reset_sql(no_style(), apps.get_models())
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _extract_media(archive: tarfile.TarFile, media_root: Path) -> int:
    root = media_root.resolve()
    written = 0
    for member in archive:
        if not member.isfile() or not member.name.startswith(MEDIA_PREFIX):
            continue
        target = (root / _safe_media_path(member.name)).resolve()
        if root not in target.parents:
            raise BackupError(f"Refusing the archive: {member.name!r} escapes MEDIA_ROOT.")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".restoring")
        with archive.extractfile(member) as source, open(partial, "wb") as destination:
            shutil.copyfileobj(source, destination, CHUNK)
        os.replace(partial, target)
        written += 1
    return written


def _upload_media(archive: tarfile.TarFile, storage: Storage) -> int:
    """Write the archive's media files into a storage that is not a local directory (S3…)."""
    written = 0
    for member in archive:
        if not member.isfile() or not member.name.startswith(MEDIA_PREFIX):
            continue
        name = _safe_media_path(member.name)
        with archive.extractfile(member) as source:
            if storage.exists(name):  # as with local files: the archive's version wins
                storage.delete(name)
            saved = storage.save(name, File(source, name=name))
        if saved != name:
            raise BackupError(
                f"Media file {name!r} was stored as {saved!r}: something else is writing into "
                "the media storage during the restore. Stop the services and restore again."
            )
        written += 1
    return written


def _check_storage_writable(storage: Storage) -> None:
    """Before touching the database: an object store that cannot be written (unreachable,
    missing bucket, read-only credentials) stops the restore."""
    if _local_root(storage) is not None:
        return
    try:
        probe = storage.save(".coopess-restore-probe", ContentFile(b""))
        storage.delete(probe)
    except OSError as error:
        raise BackupError(
            f"Refusing to restore: the media storage {describe_storage(storage)} cannot be "
            f"written ({error}). Check MEDIA_STORAGE and the AWS_* settings, then retry."
        ) from error


def restore(path: Path, *, stdout=None) -> dict:
    """Restore the archive into the (migrated, empty) database and the media storage."""

    def say(message: str) -> None:
        if stdout is not None:
            stdout.write(message)

    path = Path(path)
    if not path.is_file():
        raise BackupError(f"No such archive: {path}")
    try:
        with tarfile.open(path, "r:gz") as archive:
            manifest = read_manifest(archive)
            _check_members(archive, manifest)
    except (tarfile.TarError, OSError, EOFError, json.JSONDecodeError) as error:
        raise BackupError(f"Unreadable archive {path}: {error}") from error
    say(f"Archive checked: {len(manifest['media'])} media files match their sha256.")

    storage = default_storage
    _check_storage_writable(storage)
    call_command("migrate", interactive=False, verbosity=0)
    check_migrations(manifest)
    check_empty()

    with tempfile.TemporaryDirectory(prefix="coopess-restore-") as tmp:
        data_path = Path(tmp) / DATA  # loaddata picks the format from the .json suffix
        with tarfile.open(path, "r:gz") as archive, open(data_path, "wb") as handle:
            shutil.copyfileobj(archive.extractfile(DATA), handle, CHUNK)
        with transaction.atomic():
            call_command("loaddata", str(data_path), verbosity=0)
            reset_sequences()
    say("Database loaded.")

    where = describe_storage(storage)
    media_root = _local_root(storage)
    try:
        with tarfile.open(path, "r:gz") as archive:
            if media_root is not None:
                written = _extract_media(archive, media_root)
            else:
                written = _upload_media(archive, storage)
    except OSError as error:
        raise BackupError(
            f"The database is loaded but the media files could not be written into {where}: "
            f"{error}. Fix the media storage, empty the database (drop and recreate it) and "
            "run restore again."
        ) from error
    say(f"{written} media files restored into {where}.")

    actual = row_counts()
    mismatches = [
        f"{label}: archive {expected}, database {actual.get(label)}"
        for label, expected in sorted(manifest["row_counts"].items())
        if actual.get(label) != expected
    ]
    if mismatches:
        raise BackupError("Row counts differ after the restore: " + "; ".join(mismatches))
    say(f"Row counts match the manifest ({len(manifest['row_counts'])} models).")
    return manifest
