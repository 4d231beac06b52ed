"""What a call to an outside service can end in: one small hierarchy, every message in French.

    ErreurService                 any failure of a call (attribute `service`: the service's label)
    ├── ServiceIndisponible       timeout, connection refused, 5xx, 429 beyond the retries, circuit open
    │   └── CircuitOuvert         calls suspended by the circuit breaker (attribute `jusqu_a`)
    ├── JetonRefuse               401 / 403: the token is missing, wrong or lacks the scope
    ├── NonTrouve                 404: the service does not know this identifier
    ├── NonDiffusible             451: the unit exists but is not public (« non diffusible »)
    ├── RequeteRefusee            400 / 422 (and other 4xx): the service refused the request itself
    └── ReponseInvalide           the answer is not JSON, or not of the expected shape

`ServiceIndisponible` is temporary (try later); the others are answers about the request.
"""

from __future__ import annotations

from datetime import datetime


class ErreurService(Exception):
    """A call to `service` failed; str(exc) is a French sentence for the user or the log."""

    def __init__(self, service: str, message: str, *, statut: int | None = None) -> None:
        super().__init__(message)
        self.service, self.statut = service, statut


class ServiceIndisponible(ErreurService):
    """Temporary: the service timed out, refused the connection, answered 5xx or kept answering 429."""


class CircuitOuvert(ServiceIndisponible):
    def __init__(self, service: str, jusqu_a: datetime, echecs: int) -> None:
        super().__init__(
            service,
            f"Le service {service} ne répond plus correctement ({echecs} échecs de suite) : "
            f"les appels sont suspendus jusqu'à {jusqu_a:%H:%M:%S}.",
        )
        self.jusqu_a = jusqu_a


class JetonRefuse(ErreurService):
    pass


class NonTrouve(ErreurService):
    pass


class NonDiffusible(ErreurService):
    pass


class RequeteRefusee(ErreurService):
    pass


class ReponseInvalide(ErreurService):
    pass
