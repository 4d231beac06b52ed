"""A loopback server answering as data.gouv.fr's API (udata) does for publishing resources:

    GET  /api/1/datasets/{id}/                        the dataset and its resources (404 unknown)
    POST /api/1/datasets/{id}/upload/                 multipart `file` → 201, a new resource
    POST /api/1/datasets/{id}/resources/{rid}/upload/ multipart `file` → 200, its file replaced
    PUT  /api/1/datasets/{id}/resources/{rid}/        JSON fields (title, description, format, schema)

Every call needs the X-API-KEY header (401 {"message": "Invalid API Key"} otherwise, as udata).
`pannes`: statuses to answer, one per request, before behaving (503, 500…); `perdre_reponse`: an
upload that creates the resource then answers 502 (the lost answer of a gateway)."""

from __future__ import annotations

import json
import threading
import uuid
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CLE = "cle-de-test-0123456789"


class FauxDataGouv:
    def __init__(self, datasets: list[str]) -> None:
        self.datasets: dict[str, dict[str, Any]] = {
            d: {"id": d, "title": d, "resources": []} for d in datasets
        }
        self.fichiers: dict[str, bytes] = {}  # resource id → last uploaded content
        self.requetes: list[tuple[str, str, str | None]] = []  # method, path, X-API-KEY
        self.pannes: list[int] = []
        self.perdre_reponse = False
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="faux-data-gouv", daemon=True)  # fmt: skip

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FauxDataGouv:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        assert not self._thread.is_alive(), "le faux data.gouv.fr ne s'est pas arrêté"

    def answer(self, method: str, path: str, headers, body: bytes) -> tuple[int, Any]:
        with self._lock:
            self.requetes.append((method, path, headers.get("X-API-KEY")))
            if headers.get("X-API-KEY") != CLE:
                return 401, {"message": "Invalid API Key"}
            if self.pannes:
                return self.pannes.pop(0), {"message": "Service Unavailable"}
            parts = [p for p in path.split("/") if p]  # api, 1, datasets, id, …
            if parts[:3] != ["api", "1", "datasets"] or len(parts) < 4 or parts[3] not in self.datasets:
                return 404, {"message": "Not found"}
            dataset = self.datasets[parts[3]]
            rest = parts[4:]
            if method == "GET" and not rest:
                return 200, dataset
            if method == "POST" and rest == ["upload"]:
                name, content = _file(headers, body)
                resource = {"id": str(uuid.uuid4()), "title": name, "format": name.rsplit(".", 1)[-1],
                            "url": f"{self.url}/fichiers/{name}", "schema": {}}  # fmt: skip
                dataset["resources"].append(resource)
                self.fichiers[resource["id"]] = content
                if self.perdre_reponse:
                    self.perdre_reponse = False
                    return 502, {"message": "Bad Gateway"}
                return 201, resource
            found = next((r for r in dataset["resources"] if rest[:2] == ["resources", r["id"]]), None)
            if found is None:
                return 404, {"message": "Not found"}
            if method == "POST" and rest[2:] == ["upload"]:
                self.fichiers[found["id"]] = _file(headers, body)[1]
                return 200, found
            if method == "PUT" and len(rest) == 2:
                fields = json.loads(body)
                found.update(
                    {k: v for k, v in fields.items() if k in ("title", "description", "format", "schema")}
                )
                return 200, found
            return 405, {"message": "Method Not Allowed"}

    def _handler(self):
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, data = owner.answer(self.command, self.path.split("?")[0], self.headers, body)
                payload = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = _any  # noqa: N815 - http.server's names

            def log_message(self, *args) -> None:
                pass

        return Handler


def _file(headers, body: bytes) -> tuple[str, bytes]:
    """(file name, content) of the multipart `file` field."""
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {headers.get('Content-Type')}\r\n\r\n".encode() + body
    )
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") == "file":
            return part.get_filename(), part.get_payload(decode=True)
    raise ValueError("pas de champ file")
