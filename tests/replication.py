"""A PostgreSQL primary and its streaming replica, made for a test in a temporary folder: their own
clusters (initdb, pg_basebackup), on free ports of 127.0.0.1, run as the `postgres` OS user (the
tests run as root on CI), never the machine's service. Everything is stopped and removed at the end,
even on failure.

    with streaming_pair() as pair:
        pair.url("primary", "dataetat"), pair.url("replica", "dataetat")
        pair.pause_replay(); pair.resume_replay(); pair.stop("replica"); pair.start("replica")
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

TIMEOUT = 120  # seconds for any pg_ctl / pg_basebackup step


def pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def available() -> str | None:
    """Why a streaming pair cannot be made here (None: it can)."""
    if pg_bin() is None:
        return "binaires PostgreSQL absents (/usr/lib/postgresql/*/bin)"
    if os.geteuid() != 0 or shutil.which("runuser") is None:
        return "il faut être root (les grappes PostgreSQL tournent sous l'utilisateur postgres)"
    return None


def require() -> None:
    if (why := available()) is not None:
        if os.environ.get("CI"):
            pytest.fail(f"Réplication PostgreSQL requise sur CI : {why}.")
        pytest.skip(why)


def as_postgres(*args: str, timeout: float = TIMEOUT, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["runuser", "-u", "postgres", "--", *args],
        check=check,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


class Pair:
    def __init__(self, folder: Path) -> None:
        self.folder, self.bin = folder, pg_bin()
        self.ports = {"primary": free_port(), "replica": free_port()}

    def data(self, name: str) -> Path:
        return self.folder / name

    def url(self, name: str, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.ports[name]}/{database}"

    def ctl(self, name: str, action: str, *extra: str, check: bool = True) -> None:
        log = str(self.folder / f"{name}.log")
        as_postgres(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data(name)),
            "-l",
            log,
            "-w",
            "-t",
            "60",
            action,
            *extra,
            check=check,
        )

    def start(self, name: str) -> None:
        self.ctl(name, "start")

    def stop(self, name: str) -> None:
        self.ctl(name, "stop", "-m", "fast")

    def _configure(self, name: str) -> None:
        with open(self.data(name) / "postgresql.auto.conf", "a") as f:
            f.write(
                f"\nport = {self.ports[name]}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.folder}'\nfsync = off\nfull_page_writes = off\n"
                "wal_level = replica\nmax_wal_senders = 5\nhot_standby = on\nshared_buffers = 32MB\n"
                "max_connections = 60\nhot_standby_feedback = on\n"
            )

    def build(self) -> None:
        as_postgres(
            str(self.bin / "initdb"),
            "-D",
            str(self.data("primary")),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        self._configure("primary")
        self.start("primary")
        as_postgres(
            str(self.bin / "pg_basebackup"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.ports["primary"]),
            "-U",
            "postgres",
            "-D",
            str(self.data("replica")),
            "-R",
            "-X",
            "stream",
            "--no-sync",
        )
        self._configure("replica")
        self.start("replica")

    def sql(self, name: str, statement: str, database: str = "postgres"):
        engine = sa.create_engine(self.url(name, database), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                result = conn.exec_driver_sql(statement)
                return result.scalar() if result.returns_rows else None
        finally:
            engine.dispose()

    def pause_replay(self) -> None:
        self.sql("replica", "SELECT pg_wal_replay_pause()")

    def resume_replay(self) -> None:
        self.sql("replica", "SELECT pg_wal_replay_resume()")

    def wait_replayed(self, seconds: float = 60) -> None:
        """Until the replica has replayed everything the primary wrote so far."""
        target = self.sql("primary", "SELECT pg_current_wal_lsn()::text")
        deadline = time.monotonic() + seconds
        while not self.sql("replica", f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"):
            assert time.monotonic() < deadline, "la réplique ne rattrape pas la base principale"
            time.sleep(0.05)


@contextmanager
def streaming_pair() -> Iterator[Pair]:
    require()
    folder = Path(tempfile.mkdtemp(prefix="dataetat-replication-"))
    shutil.chown(folder, "postgres", "postgres")
    pair = Pair(folder)
    try:
        pair.build()
        yield pair
    finally:
        for name in ("replica", "primary"):
            if (pair.data(name) / "postmaster.pid").exists():
                pair.ctl(name, "stop", "-m", "immediate", check=False)
        shutil.rmtree(folder, ignore_errors=True)
