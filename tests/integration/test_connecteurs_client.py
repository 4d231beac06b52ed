"""The connectors' HTTP client against a real local HTTP server: headers, token, retries honouring
Retry-After, timeouts, bad JSON, every refusal, the rate limiter and the circuit breaker."""

from __future__ import annotations

import logging
import socket
import time

import pytest
from pydantic import BaseModel, SecretStr
from tests.fakes.serveur import Reponse, ServeurLocal

from dataetat.connectors import errors
from dataetat.connectors.client import USER_AGENT, Client, Reglages, Service, reinitialiser, retry_after
from dataetat.connectors.services import jeton

RAPIDE = Reglages(
    delai=0.5, essais=2, backoff=0.01, attente_max=1.0, seuil_disjoncteur=50, pause_disjoncteur=0.3
)


class Ok(BaseModel):
    ok: bool


@pytest.fixture(autouse=True)
def _fresh_registries():
    reinitialiser()
    yield
    reinitialiser()


def _service(url: str, **kw) -> Service:
    return Service(nom="Service de test", url=url, par=kw.pop("par", (1000, 1.0)), **kw)


def _scripted(*answers: Reponse):
    """Answers in order, then the last one again."""
    queue = list(answers)

    def repondre(_requete):
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return repondre


def test_user_agent_token_in_header_and_fixed_parameters():
    with ServeurLocal(_scripted(Reponse(json={"ok": True}))) as serveur:
        service = _service(serveur.url, jeton="jeton-secret", parametres={"context": "aides publiques"})
        with Client(service, RAPIDE) as client:
            assert client.get_json("/v3/x", {"a": "1"}, Ok) == Ok(ok=True)
    [requete] = serveur.requetes
    assert requete.entetes["user-agent"] == USER_AGENT and "Data-Etat" in USER_AGENT
    assert requete.entetes["authorization"] == "Bearer jeton-secret"
    assert requete.query == {"context": "aides publiques", "a": "1"}  # the token is never in the URL
    assert "jeton-secret" not in requete.chemin


def test_bare_token_header_for_data_subvention_style_services():
    with ServeurLocal(_scripted(Reponse(json={}))) as serveur:
        service = _service(serveur.url, jeton="abc", entete_jeton="x-access-token", prefixe_jeton="")
        with Client(service, RAPIDE) as client:
            client.get("/etablissement/1")
    assert serveur.requetes[0].entetes["x-access-token"] == "abc"
    assert "authorization" not in serveur.requetes[0].entetes


def test_429_waits_retry_after_then_succeeds():
    answers = _scripted(
        Reponse(429, {"erreur": "trop"}, entetes={"Retry-After": "0.3"}), Reponse(json={"ok": True})
    )
    with ServeurLocal(answers) as serveur, Client(_service(serveur.url), RAPIDE) as client:
        assert client.get_json("/search", modele=Ok).ok
    first, second = serveur.requetes
    assert second.quand - first.quand >= 0.29


def test_429_with_a_retry_after_beyond_the_longest_wait_gives_up_at_once():
    with ServeurLocal(_scripted(Reponse(429, {}, entetes={"Retry-After": "3600"}))) as serveur:
        with (
            Client(_service(serveur.url), RAPIDE) as client,
            pytest.raises(errors.ServiceIndisponible) as exc,
        ):
            client.get("/search")
    assert len(serveur.requetes) == 1
    assert "trop de requêtes" in str(exc.value) and "3600 s" in str(exc.value)


def test_5xx_retried_with_backoff_then_unavailable():
    with ServeurLocal(_scripted(Reponse(503, {}))) as serveur:
        with (
            Client(_service(serveur.url), RAPIDE) as client,
            pytest.raises(errors.ServiceIndisponible) as exc,
        ):
            client.get("/search")
    assert len(serveur.requetes) == 3  # the call and its 2 retries
    assert str(exc.value) == "Le service Service de test est indisponible (erreur 503)."


def test_5xx_then_success():
    with ServeurLocal(_scripted(Reponse(502, {}), Reponse(json={"ok": True}))) as serveur:
        with Client(_service(serveur.url), RAPIDE) as client:
            assert client.get_json("/s", modele=Ok).ok


def test_timeout():
    reglages = Reglages(delai=0.1, essais=0, backoff=0.01)
    with ServeurLocal(_scripted(Reponse(json={"ok": True}, delai=0.5))) as serveur:
        with (
            Client(_service(serveur.url), reglages) as client,
            pytest.raises(errors.ServiceIndisponible) as exc,
        ):
            client.get("/lent")
    assert "n'a pas répondu dans le délai (0.1 s)" in str(exc.value)


def test_connection_refused():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed when the block ends: nobody listens there
    with (
        Client(_service(f"http://127.0.0.1:{port}"), RAPIDE) as client,
        pytest.raises(errors.ServiceIndisponible),
    ):
        client.get("/x")


def test_malformed_json_and_unexpected_shape():
    with ServeurLocal(_scripted(Reponse(corps=b"{pas du json"), Reponse(json={"autre": 1}))) as serveur:
        with Client(_service(serveur.url), RAPIDE) as client:
            with pytest.raises(errors.ReponseInvalide, match="autre chose que du JSON"):
                client.get_json("/a")
            with pytest.raises(errors.ReponseInvalide, match="forme inattendue .champ « ok »"):
                client.get_json("/b", modele=Ok)


@pytest.mark.parametrize(
    ("status", "error", "message"),
    [
        (401, errors.JetonRefuse, "refuse le jeton d'accès (erreur 401) : Jeton invalide"),
        (403, errors.JetonRefuse, "(erreur 403)"),
        (404, errors.NonTrouve, "Inconnu du service Service de test : Jeton invalide"),
        (451, errors.NonDiffusible, "non diffusible"),
        (422, errors.RequeteRefusee, "refuse la requête (erreur 422)"),
        (400, errors.RequeteRefusee, "(erreur 400)"),
    ],
)
def test_refusals_are_final_and_french(status, error, message):
    body = {"errors": [{"code": "00101", "title": "Jeton invalide", "detail": "Jeton invalide"}]}
    with ServeurLocal(_scripted(Reponse(status, body))) as serveur:
        with Client(_service(serveur.url), RAPIDE) as client, pytest.raises(error) as exc:
            client.get("/x")
    assert message in str(exc.value)
    assert exc.value.statut == status and len(serveur.requetes) == 1  # never retried


def test_rate_limiter_spaces_the_calls_at_the_published_rate():
    with ServeurLocal(_scripted(Reponse(json={}))) as serveur:
        with Client(_service(serveur.url, par=(20, 1.0)), RAPIDE) as client:
            started = time.monotonic()
            for _ in range(10):
                client.get("/s")
            elapsed = time.monotonic() - started
    assert elapsed >= 0.44  # 10 calls at 20/s: 9 intervals of 50 ms
    seen = [r.quand for r in serveur.requetes]
    assert seen[-1] - seen[0] >= 0.4  # as the server saw them (its clock has its own jitter)


def test_circuit_breaker_opens_then_closes():
    reglages = Reglages(delai=0.5, essais=1, backoff=0.01, seuil_disjoncteur=2, pause_disjoncteur=0.3)
    answers = _scripted(Reponse(500, {}), Reponse(500, {}), Reponse(json={"ok": True}))
    with ServeurLocal(answers) as serveur, Client(_service(serveur.url), reglages) as client:
        with pytest.raises(errors.ServiceIndisponible):
            client.get("/a")  # 2 failures in a row: the circuit opens
        assert client.breaker.state == "ouvert"
        with pytest.raises(errors.CircuitOuvert) as exc:
            client.get("/a")
        assert len(serveur.requetes) == 2  # not called while open
        assert "ne répond plus correctement (2 échecs de suite)" in str(exc.value)
        assert "les appels sont suspendus jusqu'à" in str(exc.value)
        time.sleep(0.35)
        assert client.breaker.state == "semi-ouvert"
        assert client.get_json("/a", modele=Ok).ok  # the trial call succeeds: closed again
        assert client.breaker.state == "ferme"


def test_circuit_breaker_reopens_when_the_trial_call_fails():
    reglages = Reglages(delai=0.5, essais=0, backoff=0.01, seuil_disjoncteur=1, pause_disjoncteur=0.2)
    with (
        ServeurLocal(_scripted(Reponse(503, {}))) as serveur,
        Client(_service(serveur.url), reglages) as client,
    ):
        with pytest.raises(errors.ServiceIndisponible):
            client.get("/a")
        time.sleep(0.25)
        with pytest.raises(errors.ServiceIndisponible):
            client.get("/a")  # the trial
        with pytest.raises(errors.CircuitOuvert):
            client.get("/a")
    assert len(serveur.requetes) == 2


def test_token_from_a_secret_file_and_never_logged(tmp_path, caplog):
    secret = tmp_path / "jeton"
    secret.write_text("jeton-du-fichier\n", "utf-8")
    assert jeton(None, secret) == "jeton-du-fichier"
    assert jeton(SecretStr("du-reglage"), secret) == "du-reglage"
    assert jeton(SecretStr(""), None) is None
    with pytest.raises(ValueError, match="Fichier du jeton illisible"):
        jeton(None, tmp_path / "absent")
    caplog.set_level(logging.DEBUG)
    answers = _scripted(Reponse(503, {}), Reponse(401, {"errors": [{"detail": "Jeton invalide"}]}))
    with ServeurLocal(answers) as serveur:
        with (
            Client(_service(serveur.url, jeton="jeton-du-fichier"), RAPIDE) as client,
            pytest.raises(errors.JetonRefuse),
        ):
            client.get("/x")
    assert "jeton-du-fichier" not in caplog.text
    assert "jeton-du-fichier" not in repr(_service("http://x", jeton="jeton-du-fichier"))


def test_retry_after_as_seconds_or_http_date():
    assert retry_after("32") == 32
    assert retry_after(None) is None and retry_after("n'importe quoi") is None
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0
