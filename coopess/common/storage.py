"""The S3-compatible media storage, used when ``MEDIA_STORAGE=s3`` (see ``config/settings.py``).

It is django-storages' ``S3Storage`` with one change: a failure of the object store (endpoint
unreachable, access denied, bucket missing…) surfaces as ``OSError``, as a full or read-only
disk does with local files. Callers therefore handle one exception whatever the storage: an
upload that cannot be stored is refused with a clear message and the draft stays intact.

Objects are private (``default_acl``) and no signed URL is ever produced
(``querystring_auth=False``): files reach people only through the permission-checked views,
which read them through the storage (``coopess.common.uploads.protected_file_response``).
"""

from __future__ import annotations

import functools

from boto3.exceptions import Boto3Error
from botocore.exceptions import BotoCoreError, ClientError
from storages.backends.s3 import S3Storage

STORE_ERRORS = (BotoCoreError, ClientError, Boto3Error)


class ObjectStoreError(OSError):
    """The object store refused or could not be reached; the message says which operation."""


def _as_os_error(method):
    @functools.wraps(method)
    def wrapper(self, name, *args, **kwargs):
        try:
            return method(self, name, *args, **kwargs)
        except STORE_ERRORS as error:
            raise ObjectStoreError(
                f"S3 storage: {method.__name__.lstrip('_')} {name!r} in bucket "
                f"{self.bucket_name!r} failed: {error}"
            ) from error

    return wrapper


class MediaS3Storage(S3Storage):
    @_as_os_error
    def _open(self, name, mode="rb"):
        file = super()._open(name, mode)
        if "r" in mode:
            # Download now, so that a failure is raised here (as OSError) rather than at the
            # first read, deep inside a response or an archive being written.
            file.file  # noqa: B018
        return file

    _save = _as_os_error(S3Storage._save)
    delete = _as_os_error(S3Storage.delete)
    exists = _as_os_error(S3Storage.exists)
    listdir = _as_os_error(S3Storage.listdir)
    size = _as_os_error(S3Storage.size)
    get_modified_time = _as_os_error(S3Storage.get_modified_time)

    def describe(self) -> str:
        """Where the files are, for operators' messages."""
        prefix = f"/{self.location}" if self.location else ""
        endpoint = f" at {self.endpoint_url}" if self.endpoint_url else ""
        return f"s3://{self.bucket_name}{prefix}{endpoint}"
