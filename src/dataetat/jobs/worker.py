"""The worker: a thread of `dataetat serve` (or `dataetat worker`) that claims waiting jobs one at
a time and runs them (jobs/execution.py), and keeps the schedule (jobs/planning.py).

    worker = Worker(engine, folder, settings=settings); worker.start(); ...; worker.stop()
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy.engine import Engine

from dataetat import stockage
from dataetat.jobs import planning
from dataetat.jobs.execution import expire, run_one, tidy
from dataetat.settings import Settings
from dataetat.store import taches

log = logging.getLogger("dataetat.jobs")


class Worker:
    """A thread that runs jobs as they come (polling the queue), until stopped."""

    def __init__(
        self,
        engine: Engine,
        folder: Path,
        *,
        poll_seconds: float = 0.5,
        embedded: bool = True,
        lease: timedelta = taches.LEASE,
        tries: int = taches.TRIES,
        uploads: Path | None = None,
        settings: Settings | None = None,
        planning_seconds: float = 30.0,
    ) -> None:
        self.engine, self.folder, self.poll_seconds = engine, folder, poll_seconds
        self.embedded, self.lease, self.tries, self.uploads = embedded, lease, tries, uploads
        # With settings, the worker also keeps the schedule (jobs/planning.py) every planning_seconds.
        self.settings, self.planning_seconds = settings, planning_seconds
        self._next_tick = 0.0
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="dataetat-worker", daemon=True)

    def start(self) -> None:
        # Embedded: this process owns the database, so a running job is from a dead process.
        expire(self.engine, self.folder, timedelta(0) if self.embedded else self.lease, self.tries)
        espaces = self.folder if isinstance(self.folder, stockage.Espaces) else None
        expiry = self.settings.envoi_expiration_heures * 3600 if self.settings is not None else None
        tidy(self.uploads, espaces, expiry)
        self._thread.start()

    def wake(self) -> None:
        """A job was just submitted: look now rather than at the next poll."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.warning("le worker de tâches ne s'est pas arrêté en %s s (une tâche est en cours)", timeout)

    def alive(self) -> bool:
        return self._thread.is_alive()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                ran = run_one(self.engine, self.folder, self.lease, self.settings, self.tries)
            except Exception:  # noqa: BLE001 - the queue itself failed (database down): retry later
                log.exception("file des tâches indisponible")
                ran = None
            if ran is None and self.settings is not None and time.monotonic() >= self._next_tick:
                self._next_tick = time.monotonic() + self.planning_seconds
                try:
                    if planning.tick(self.engine, self.settings):
                        continue  # a scheduled job was queued: run it now
                except Exception:  # noqa: BLE001 - the schedule must not kill the worker
                    log.exception("planification indisponible")
            if ran is None:
                self._wake.wait(self.poll_seconds)
                self._wake.clear()
