"""ClamAV scanning of uploaded files, through clamd's INSTREAM command (no file shared with clamd: the
bytes are streamed to it over its socket, TCP or Unix).

    antivirus = Antivirus.of(settings)            # None when the setting `clamav` is empty
    antivirus.check("fichier.csv", chunks)        # raises Infecte, or AntivirusIndisponible

Fail-closed: when clamd is configured but cannot be reached, answers late, or refuses the stream
(larger than its StreamMaxLength), the file is refused (`AntivirusIndisponible`) — never let through
unscanned. Low in the layers: no database, nothing of the web.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterable
from dataclasses import dataclass

CHUNK = 256 * 1024  # clamd reads chunks of any size up to its StreamMaxLength


class AntivirusIndisponible(Exception):
    """The scan could not be done: the file is refused (fail-closed). French message."""


class Infecte(Exception):
    """clamd found a signature in the file."""

    def __init__(self, fichier: str, signature: str) -> None:
        self.fichier, self.signature = fichier, signature
        super().__init__(
            f"Fichier « {fichier} » refusé : l'antivirus y a détecté « {signature} ». Rien n'a été "
            "enregistré ni importé."
        )


@dataclass(frozen=True)
class Antivirus:
    """clamd at `adresse`: `hôte:port` (TCP) or the path of its Unix socket (`/…` or `unix:/…`)."""

    adresse: str
    delai_s: float = 30.0

    @classmethod
    def of(cls, settings) -> Antivirus | None:
        adresse = (settings.clamav or "").strip()
        return cls(adresse, settings.clamav_delai_s) if adresse else None

    def _connect(self) -> socket.socket:
        path = self.adresse.removeprefix("unix:")
        if path.startswith("/"):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(self.delai_s)
            sock.connect(path)
            return sock
        host, _, port = self.adresse.rpartition(":")
        if not host or not port.isdigit():
            raise AntivirusIndisponible(
                f"Réglage DATAETAT_CLAMAV invalide (« {self.adresse} ») : hôte:port ou chemin du socket de clamd."
            )
        return socket.create_connection((host.strip("[]"), int(port)), timeout=self.delai_s)

    def scan(self, chunks: Iterable[bytes]) -> str | None:
        """The name of the signature found in these bytes, or None when clean."""
        try:
            with self._connect() as sock:
                sock.sendall(b"zINSTREAM\0")
                try:
                    for chunk in chunks:
                        for start in range(0, len(chunk), CHUNK):
                            part = chunk[start : start + CHUNK]
                            sock.sendall(struct.pack(">I", len(part)) + part)
                    sock.sendall(struct.pack(">I", 0))
                except (BrokenPipeError, ConnectionResetError):
                    pass  # clamd stopped reading (size limit): its answer says why
                answer = _read_answer(sock)
        except AntivirusIndisponible:
            raise
        except OSError as e:
            raise AntivirusIndisponible(
                "Analyse antivirus impossible (clamd injoignable ou trop lent) : le fichier est refusé. "
                "Réessayez plus tard ou prévenez l'administrateur."
            ) from e
        return _verdict(answer)

    def check(self, fichier: str, chunks: Iterable[bytes]) -> None:
        """Raise `Infecte` when a signature is found, `AntivirusIndisponible` when no verdict."""
        signature = self.scan(chunks)
        if signature is not None:
            raise Infecte(fichier, signature)


def _read_answer(sock: socket.socket) -> str:
    data = b""
    while not data.endswith(b"\0"):
        try:
            more = sock.recv(4096)
        except ConnectionResetError:
            break
        if not more:
            break
        data += more
    return data.rstrip(b"\0").decode("utf-8", errors="replace").strip()


def _verdict(answer: str) -> str | None:
    """clamd's answer: `stream: OK`, `stream: <signature> FOUND`, or `… ERROR`."""
    if answer == "stream: OK":
        return None
    if answer.startswith("stream: ") and answer.endswith(" FOUND"):
        return answer.removeprefix("stream: ").removesuffix(" FOUND").strip()
    if "size limit" in answer:
        raise AntivirusIndisponible(
            "Fichier trop volumineux pour l'antivirus (limite StreamMaxLength de clamd) : il est refusé. "
            "Prévenez l'administrateur."
        )
    raise AntivirusIndisponible(
        "Analyse antivirus impossible (réponse inattendue de clamd) : le fichier est refusé. "
        "Prévenez l'administrateur."
    )


def chunks_of(stream, size: int = 1024 * 1024) -> Iterable[bytes]:
    """A binary file object read by chunks, from its current position."""
    while chunk := stream.read(size):
        yield chunk
