"""LibreOffice headless as the second reader of the files CoopESS writes (XLSX, ODS, DOCX).

Installed by ``.ci/run``; on a laptop without it the tests that need it skip, in CI (``CI=true``)
a missing LibreOffice is a failure. Each conversion runs with its own throwaway profile (the
xdist workers never share one) and the French locale, as a user's LibreOffice would."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest


def soffice() -> str:
    found = shutil.which("soffice")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) is missing: .ci/run installs it")
        pytest.skip("LibreOffice (soffice) is not installed on this machine")
    return found


def convert(content: bytes, *, suffix: str, to: str) -> bytes:
    """``content`` (a ``.suffix`` file) opened by LibreOffice and saved as ``to`` (an extension
    or ``ext:filter``)."""
    program = soffice()
    with tempfile.TemporaryDirectory(prefix="coopess-lo-") as work:
        folder = Path(work)
        source = folder / f"document.{suffix}"
        source.write_bytes(content)
        environment = {**os.environ, "LANG": "fr_FR.UTF-8", "LC_ALL": "fr_FR.UTF-8", "HOME": work}
        done = subprocess.run(
            [
                program,
                "--headless",
                "--norestore",
                f"-env:UserInstallation=file://{folder / 'profile'}",
                "--convert-to",
                to,
                "--outdir",
                str(folder / "out"),
                str(source),
            ],
            capture_output=True,
            text=True,
            env=environment,
            timeout=180,
            check=False,
        )
        extension = to.split(":", 1)[0]
        produced = folder / "out" / f"document.{extension}"
        assert produced.exists(), (done.returncode, done.stdout, done.stderr)
        return produced.read_bytes()
