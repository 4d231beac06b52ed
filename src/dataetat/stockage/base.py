"""The storage interface: keys (strings, `/`-separated) to whole files."""

from __future__ import annotations

import shutil
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1024 * 1024


class Introuvable(FileNotFoundError):
    """No object under this key."""


@dataclass(frozen=True)
class Entree:
    cle: str
    taille: int
    modifie: float  # seconds since the epoch


class Store(ABC):
    """Whole files under keys. `put` makes an object appear whole or not at all."""

    @abstractmethod
    def key(self, *parts: str) -> str:
        """The key of a file made of these path parts (an upload's folder, field, name)."""

    @abstractmethod
    def put(self, key: str, source: Path) -> None:
        """Copy a local file under `key` (streamed; replaces an object of the same key)."""

    @abstractmethod
    def put_bytes(self, key: str, data: bytes) -> None: ...

    @abstractmethod
    def create(self, key: str, data: bytes) -> bool:
        """Write `data` under `key` only if nothing is there yet; False when something was."""

    @abstractmethod
    def iter(self, key: str, chunk: int = CHUNK) -> Iterator[bytes]:
        """The bytes of an object, chunk by chunk (raises Introuvable)."""

    @abstractmethod
    def size(self, key: str) -> int | None:
        """The size of an object, None when there is none."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove an object (nothing when absent)."""

    @abstractmethod
    def delete_prefix(self, prefix: str) -> None:
        """Remove every object whose key starts with `prefix/` (an upload's folder)."""

    @abstractmethod
    def entries(self, prefix: str = "") -> Iterator[Entree]:
        """The objects under `prefix/` (everything when empty)."""

    @abstractmethod
    def reachable(self) -> bool:
        """Whether the store answers (the readiness probe); never raises."""

    @abstractmethod
    def concat(self, parts: list[str], key: str) -> None:
        """Make `key` the concatenation of the objects `parts`, in order (an upload's chunks)."""

    def local_path(self, key: str) -> Path | None:
        """The file itself when the store is a local folder, else None."""
        return None

    def exists(self, key: str) -> bool:
        return self.size(key) is not None

    def read_bytes(self, key: str) -> bytes:
        return b"".join(self.iter(key))

    def download(self, key: str, target: Path) -> None:
        with target.open("wb") as out:
            for chunk in self.iter(key):
                out.write(chunk)

    @contextmanager
    def materialise(self, key: str) -> Iterator[Path]:
        """A local file with the object's bytes, for readers that need a file (the importers): the
        file itself for a local folder, else a scratch copy removed afterwards."""
        path = self.local_path(key)
        if path is not None:
            if not path.is_file():
                raise Introuvable(key)
            yield path
            return
        from dataetat import scratch

        folder = scratch.make("import")
        try:
            target = folder / key.rsplit("/", 1)[-1]
            self.download(key, target)
            yield target
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def sweep(self, prefix: str, age_seconds: float, now: float | None = None) -> list[str]:
        """Remove the objects under `prefix/` older than `age_seconds`; returns their keys."""
        now = time.time() if now is None else now
        old = [e.cle for e in self.entries(prefix) if now - e.modifie > age_seconds]
        for key in old:
            self.delete(key)
        return old
