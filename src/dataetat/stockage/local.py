"""The store as a local folder (embedded mode, or a shared mount)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from dataetat.stockage.base import CHUNK, Entree, Introuvable, Store


class LocalStore(Store):
    """Keys are paths under `root`; an absolute key (jobs queued before the store existed, tests)
    is the file itself."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()

    def __repr__(self) -> str:
        return f"LocalStore({self.root})"

    def _path(self, key: str) -> Path:
        path = Path(key)
        if path.is_absolute():
            return path
        if ".." in path.parts:
            raise ValueError(f"clé invalide : {key}")
        return self.root / path

    def key(self, *parts: str) -> str:
        return str(self.root.joinpath(*parts))

    def local_path(self, key: str) -> Path | None:
        return self._path(key)

    def _atomic(self, key: str, write) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".partiel-")
        try:
            with os.fdopen(fd, "wb") as out:
                write(out)
            os.replace(tmp, target)  # the file appears whole or not at all
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def put(self, key: str, source: Path) -> None:
        if self._path(key).resolve() == Path(source).resolve():
            return
        with Path(source).open("rb") as src:
            self._atomic(key, lambda out: shutil.copyfileobj(src, out, CHUNK))

    def put_bytes(self, key: str, data: bytes) -> None:
        self._atomic(key, lambda out: out.write(data))

    def create(self, key: str, data: bytes) -> bool:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return False
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        return True

    def iter(self, key: str, chunk: int = CHUNK) -> Iterator[bytes]:
        try:
            src = self._path(key).open("rb")
        except (FileNotFoundError, IsADirectoryError):
            raise Introuvable(key) from None
        with src:
            while block := src.read(chunk):
                yield block

    def size(self, key: str) -> int | None:
        path = self._path(key)
        return path.stat().st_size if path.is_file() else None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def delete_prefix(self, prefix: str) -> None:
        shutil.rmtree(self._path(prefix), ignore_errors=True)

    def entries(self, prefix: str = "") -> Iterator[Entree]:
        base = self._path(prefix) if prefix else self.root
        if not base.is_dir():
            return
        for path in sorted(base.rglob("*")):
            if path.is_file() and not path.name.startswith(".partiel-"):
                stat = path.stat()
                yield Entree(path.relative_to(self.root).as_posix(), stat.st_size, stat.st_mtime)

    def reachable(self) -> bool:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            return os.access(self.root, os.W_OK)
        except OSError:
            return False

    def concat(self, parts: list[str], key: str) -> None:
        def write(out):
            for part in parts:
                with self._path(part).open("rb") as src:
                    shutil.copyfileobj(src, out, CHUNK)

        self._atomic(key, write)
