"""Scratch folders of this process (an import's staging files, a direct export being written), named
after the process so that what a killed process left can be told from what a live one uses.

    folder = scratch.make("import")     # /tmp/dataetat-import-4242-k3j2…
    scratch.sweep()                     # at start: remove the folders of dead processes
    scratch.sweep_uploads(folder)       # empty upload folders left by an upload that never became a job

No database, no other module of the package: every layer may use it.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from pathlib import Path

KINDS = ("import", "export", "referentiel")
_NAME = re.compile(r"^dataetat-(?:" + "|".join(KINDS) + r")-(?:(\d+)-)?")
LEGACY_AGE = 24 * 3600  # a folder named before the pid was in the name: removed after a day
UPLOAD_AGE = 3600  # an empty upload folder older than this is a leftover
# Files of a check kept for « Confirmer le remplacement » or « Réessayer » (jobs/imports.py): a day.
KEPT_AGE = 24 * 3600


def prefix(kind: str) -> str:
    """The name prefix of this process's scratch folders of `kind` (for tempfile)."""
    if kind not in KINDS:
        raise ValueError(kind)
    return f"dataetat-{kind}-{os.getpid()}-"


def make(kind: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix(kind)))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def sweep(folder: Path | None = None, now: float | None = None) -> list[Path]:
    """Remove the scratch folders whose process is gone; returns what was removed."""
    folder = Path(folder or tempfile.gettempdir())
    now = time.time() if now is None else now
    removed = []
    for entry in folder.iterdir() if folder.is_dir() else ():
        match = _NAME.match(entry.name)
        if match is None or not entry.is_dir():
            continue
        pid = match.group(1)
        if pid is not None:
            stale = int(pid) != os.getpid() and not _alive(int(pid))
        else:
            stale = now - entry.stat().st_mtime > LEGACY_AGE
        if stale:
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


def sweep_uploads(folder: Path, now: float | None = None) -> list[Path]:
    """Remove the empty `envoi-*` folders of the upload folder older than an hour, and the uploaded
    files (one sub-folder per form field) a check kept more than a day without being confirmed."""
    now = time.time() if now is None else now
    removed = []
    for entry in folder.glob("envoi-*/*") if folder.is_dir() else ():
        if entry.is_dir() and now - entry.stat().st_mtime > KEPT_AGE:
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    for entry in folder.glob("envoi-*") if folder.is_dir() else ():
        if entry.is_dir() and not any(entry.iterdir()) and now - entry.stat().st_mtime > UPLOAD_AGE:
            entry.rmdir()
            removed.append(entry)
    return removed
