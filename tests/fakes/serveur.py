"""A real HTTP server on 127.0.0.1 for tests and benches, answering as an outside service does.

    with ServeurLocal(repondre) as serveur:       # repondre(requete) -> Reponse
        url = serveur.url                        # http://127.0.0.1:<free port>
    # stopped: its thread joined (asserted)

`repondre` receives a `Requete` (method, path, query dict, headers) and returns a `Reponse` (status,
JSON body or raw bytes, headers, delay before answering). Every request is kept in `serveur.requetes`
(with its monotonic time) so that a test can check headers, rates and what was asked.
Subclass-free: a fake service is a function (see entreprises.py).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Requete:
    methode: str
    chemin: str
    query: dict[str, str]
    entetes: dict[str, str]
    quand: float = field(default_factory=time.monotonic)


@dataclass
class Reponse:
    statut: int = 200
    json: Any = None
    corps: bytes | None = None  # raw body (malformed JSON…), instead of `json`
    entetes: dict[str, str] = field(default_factory=dict)
    delai: float = 0.0  # seconds to wait before answering (a timeout test)


class ServeurLocal:
    def __init__(self, repondre: Callable[[Requete], Reponse]) -> None:
        self.repondre = repondre
        self.requetes: list[Requete] = []
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                parts = urlsplit(self.path)
                requete = Requete(
                    "GET",
                    parts.path,
                    {k: v[-1] for k, v in parse_qs(parts.query).items()},
                    {k.lower(): v for k, v in self.headers.items()},
                )
                with owner._lock:
                    owner.requetes.append(requete)
                reponse = owner.repondre(requete)
                if reponse.delai:
                    time.sleep(reponse.delai)
                body = reponse.corps if reponse.corps is not None else json.dumps(reponse.json).encode()
                try:
                    self.send_response(reponse.statut)
                    for name, value in reponse.entetes.items():
                        self.send_header(name, value)
                    if not any(name.lower() == "content-type" for name in reponse.entetes):
                        self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                    pass

            def log_message(self, *args) -> None:  # quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="serveur-local",
            daemon=True,
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> ServeurLocal:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        assert not self._thread.is_alive(), "le serveur local ne s'est pas arrêté"

    def __enter__(self) -> ServeurLocal:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def vider(self) -> None:
        with self._lock:
            self.requetes.clear()
