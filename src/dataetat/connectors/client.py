"""An HTTP client per outside service, on httpx: timeouts, retries with backoff honouring
Retry-After, the service's rate limit, a circuit breaker, a User-Agent, the token in a header,
typed answers.

    service = Service(nom="Recherche d'entreprises", url="https://…", par=(7, 1.0))
    with Client(service, reglages) as client:
        page = client.get_json("/search", params={"q": siret}, modele=Page)   # a pydantic model

A call goes: circuit breaker check → rate limiter slot → GET with the timeout → on 429 (wait
Retry-After, at most `attente_max` s), 5xx, timeout or connection error, retry up to `essais`
times with exponential backoff (`backoff` × 2ⁿ) → any other answer is final: 2xx returns, 4xx raises
its error (errors.py). Each 429/5xx/timeout counts as a failure for the breaker, any other answer
as a success. The token is sent in the service's header (never in the URL, never logged: the
client logs method, path and status only).
"""

from __future__ import annotations

import email.utils
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from dataetat import __version__
from dataetat.connectors import breaker as _breaker
from dataetat.connectors import errors
from dataetat.connectors import limiter as _limiter
from dataetat.connectors.breaker import CircuitBreaker, breaker_for
from dataetat.connectors.limiter import Creneaux, RateLimiter, SharedRateLimiter, limiter_for

log = logging.getLogger("dataetat.connectors")
USER_AGENT = f"Data-Etat/{__version__} (data-etat; enrichissement des beneficiaires)"
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Reglages:
    """How hard to try, common to every service (settings connecteurs_*; tests set them low)."""

    delai: float = 5.0  # seconds: connect and read timeout of one request
    essais: int = 3  # retries after the first attempt (429, 5xx, timeout)
    backoff: float = 0.5  # seconds: first retry's wait, doubled at each retry
    attente_max: float = 60.0  # seconds: longest Retry-After honoured; beyond, give up at once
    seuil_disjoncteur: int = 5  # failures in a row that open the circuit
    pause_disjoncteur: float = 60.0  # seconds the circuit stays open


@dataclass(frozen=True)
class Service:
    """One outside service: its French name, base URL, rate limit (requests, per seconds), token."""

    nom: str
    url: str
    par: tuple[float, float]  # (requests, period in seconds): 7 per 1 s, 250 per 60 s…
    jeton: str | None = field(default=None, repr=False)
    entete_jeton: str = "Authorization"  # header carrying the token
    prefixe_jeton: str = "Bearer "  # "" for a bare token header (x-access-token)
    parametres: dict[str, str] = field(default_factory=dict)  # query params of every call (context…)

    def headers(self) -> dict[str, str]:
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if self.jeton:
            headers[self.entete_jeton] = f"{self.prefixe_jeton}{self.jeton}"
        return headers


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def reinitialiser() -> None:
    """Forget every service's limiter and breaker (tests: a local server's port may be reused)."""
    with _limiter._registry_lock:
        _limiter._limiters.clear()
    with _breaker._registry_lock:
        _breaker._breakers.clear()


class Client:
    """A client of one service (thread-safe: the limiter and the breaker are shared per service)."""

    def __init__(
        self, service: Service, reglages: Reglages | None = None, creneaux: Creneaux | None = None
    ) -> None:
        """`creneaux`: where every process shares the service's rate (store/limiteur.py
        `creneaux_partages`: PostgreSQL); without, the rate is this process's (connectors/limiter.py)."""
        self.service, self.reglages = service, reglages or Reglages()
        key = f"{service.nom}|{service.url}"
        self.limiter: RateLimiter | SharedRateLimiter = limiter_for(key, *service.par, creneaux)
        r = self.reglages
        self.breaker: CircuitBreaker = breaker_for(key, service.nom, r.seuil_disjoncteur, r.pause_disjoncteur)
        self._http = httpx.Client(
            base_url=service.url.rstrip("/"),
            headers=service.headers(),
            timeout=httpx.Timeout(r.delai),
            follow_redirects=False,
        )

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # --- calls ---------------------------------------------------------------------------

    def get(self, path: str, params: dict[str, Any] | None = None) -> httpx.Response:
        """GET `path` (relative to the base URL); returns a 2xx response or raises an ErreurService."""
        nom, r = self.service.nom, self.reglages
        query = {**self.service.parametres, **(params or {})}
        for attempt in range(r.essais + 1):
            self.breaker.check()
            self.limiter.acquire()
            last = attempt == r.essais
            try:
                response = self._http.get(path, params=query)
            except httpx.TimeoutException:
                self.breaker.failure()
                log.info("%s GET %s : délai dépassé", nom, path)
                if last:
                    raise errors.ServiceIndisponible(
                        nom, f"Le service {nom} n'a pas répondu dans le délai ({r.delai:g} s)."
                    ) from None
                time.sleep(r.backoff * 2**attempt)
                continue
            except httpx.TransportError as exc:
                self.breaker.failure()
                log.info("%s GET %s : %s", nom, path, type(exc).__name__)
                if last:
                    raise errors.ServiceIndisponible(nom, f"Le service {nom} est injoignable.") from None
                time.sleep(r.backoff * 2**attempt)
                continue
            log.debug("%s GET %s : %s", nom, path, response.status_code)
            status = response.status_code
            if status == 429 or status >= 500:
                self.breaker.failure()
                wait = retry_after(response.headers.get("Retry-After"))
                if status == 429 and wait is not None:
                    self.limiter.pause(wait)
                if last or (wait is not None and wait > r.attente_max):
                    raise _unavailable(nom, status, wait)
                time.sleep(wait if wait is not None else r.backoff * 2**attempt)
                continue
            self.breaker.success()
            if status < 300:
                return response
            raise _refused(nom, response)
        raise AssertionError("unreachable")

    def get_json(self, path: str, params: dict[str, Any] | None = None, modele: type[M] | None = None):
        """GET and decode JSON; with `modele`, validated into that pydantic model."""
        return decode(self.service.nom, self.get(path, params), modele)


def decode(nom: str, response: httpx.Response, modele: type[M] | None = None):
    """The JSON of a response, validated into `modele` when given; ReponseInvalide otherwise."""
    try:
        data = response.json()
    except ValueError:
        raise errors.ReponseInvalide(nom, f"Le service {nom} a répondu autre chose que du JSON.") from None
    if modele is None:
        return data
    try:
        return modele.model_validate(data)
    except ValidationError as exc:
        where = ".".join(str(x) for x in exc.errors()[0]["loc"]) if exc.errors() else "?"
        raise errors.ReponseInvalide(
            nom, f"Le service {nom} a répondu dans une forme inattendue (champ « {where} »)."
        ) from None


def _unavailable(nom: str, status: int, wait: float | None) -> errors.ServiceIndisponible:
    if status == 429:
        later = f" (réessayer dans {wait:.0f} s)" if wait is not None else ""
        message = f"Le service {nom} refuse les appels : trop de requêtes{later}."
    else:
        message = f"Le service {nom} est indisponible (erreur {status})."
    return errors.ServiceIndisponible(nom, message, statut=status)


def _detail(response: httpx.Response) -> str:
    """The service's own explanation, when its body gives one (erreur, message, errors[].detail)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, dict):
        if isinstance(body.get("errors"), list) and body["errors"] and isinstance(body["errors"][0], dict):
            first = body["errors"][0]
            return str(first.get("detail") or first.get("title") or "")
        return str(body.get("erreur") or body.get("message") or "")
    return ""


def _refused(nom: str, response: httpx.Response) -> errors.ErreurService:
    status, detail = response.status_code, _detail(response)
    suffix = f" : {detail}" if detail else "."
    if status in (401, 403):
        return errors.JetonRefuse(
            nom, f"Le service {nom} refuse le jeton d'accès (erreur {status}){suffix}", statut=status
        )
    if status == 404:
        return errors.NonTrouve(nom, f"Inconnu du service {nom}{suffix}", statut=status)
    if status == 451:
        return errors.NonDiffusible(nom, f"Unité non diffusible selon le service {nom}.", statut=status)
    return errors.RequeteRefusee(
        nom, f"Le service {nom} refuse la requête (erreur {status}){suffix}", statut=status
    )
