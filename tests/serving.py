"""Serve the real app with uvicorn in a background thread of the test process, and stop it for sure.

A server left running outlives the test's database: its embedded job worker then polls a dropped
database until the interpreter exits, where a daemon thread inside DuckDB aborts the process (CI
failed so, after every test had passed). `serve_in_thread` stops the server, then the app's worker
and engine even when uvicorn could not shut down gracefully, and fails loudly if its thread lives on."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from dataetat.jobs.worker import Worker
from dataetat.settings import Settings
from dataetat.web.app import create_app

GRACE_SECONDS = 5  # open requests get this long to finish once the server is told to stop


@contextmanager
def serve_in_thread(settings: Settings, *, timeout: float = 30, app=None) -> Iterator[str]:
    """Serve `app` (default `create_app(settings)`) on a free loopback port; yield its base URL."""
    app = app if app is not None else create_app(settings)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=GRACE_SECONDS)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="uvicorn-test", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"Le serveur de test n'a pas démarré sur le port {port}.")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(GRACE_SECONDS + 10)
        if thread.is_alive():
            server.force_exit = True  # skips the lifespan's shutdown: the worker is stopped below
            thread.join(10)
        sock.close()
        _stop_app(app)
        assert not thread.is_alive(), f"Le serveur de test du port {port} ne s'est pas arrêté."


def _stop_app(app) -> None:
    """What the lifespan's shutdown does, when uvicorn skipped it (idempotent otherwise)."""
    worker = getattr(app.state, "worker", None)
    if worker is not None:
        worker.stop()
        assert not worker.alive(), "Le worker de tâches du serveur de test ne s'est pas arrêté."
    engine = getattr(app.state, "engine", None)
    if engine is not None:
        engine.dispose()


BACKGROUND_THREADS = ("dataetat-worker", "tache-", "uvicorn")


def background_threads() -> set[threading.Thread]:
    """Background threads of the app still alive (named by jobs/worker.py, jobs/execution.py and by the test servers)."""
    return {t for t in threading.enumerate() if t.is_alive() and t.name.startswith(BACKGROUND_THREADS)}


def stop_workers(threads: set[threading.Thread]) -> None:
    """Stop the job workers among `threads` (a `Worker` thread runs its bound `_loop`)."""
    for thread in threads:
        worker = getattr(getattr(thread, "_target", None), "__self__", None)
        if isinstance(worker, Worker):
            worker.stop()
