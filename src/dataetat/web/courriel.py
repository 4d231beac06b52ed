"""E-mails of the app (a shared search), sent through the SMTP server of the `smtp_url` setting:
smtp://[user:password@]host[:port] (STARTTLS when the server offers it) or smtps://… (TLS).
Without that setting nothing is sent: the page shows the link to copy instead."""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from fastapi import Request
from fastapi.concurrency import run_in_threadpool

from dataetat.store import recherches as store
from dataetat.web import sauvegardes

log = logging.getLogger("dataetat.web")
TIMEOUT = 10


def envoyer(smtp_url: str, expediteur: str, destinataires: list[str], sujet: str, texte: str) -> bool:
    """Send one plain-text e-mail (one message per recipient); False (logged) when the server fails."""
    url = urlsplit(smtp_url)
    if url.scheme not in ("smtp", "smtps") or not url.hostname:
        raise ValueError("smtp_url : smtp://hôte:port ou smtps://hôte:port attendu.")
    port = url.port or (465 if url.scheme == "smtps" else 25)
    try:
        if url.scheme == "smtps":
            server: smtplib.SMTP = smtplib.SMTP_SSL(
                url.hostname, port, timeout=TIMEOUT, context=ssl.create_default_context()
            )
        else:
            server = smtplib.SMTP(url.hostname, port, timeout=TIMEOUT)
        with server:
            if url.scheme == "smtp":
                server.ehlo()
                if server.has_extn("starttls"):
                    server.starttls(context=ssl.create_default_context())
                    server.ehlo()
            if url.username:
                server.login(unquote(url.username), unquote(url.password or ""))
            for destinataire in destinataires:
                message = EmailMessage()
                message["From"], message["To"], message["Subject"] = expediteur, destinataire, sujet
                message.set_content(texte)
                server.send_message(message)
        return True
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("courriel non envoyé à %s : %s", ", ".join(destinataires), exc)
        return False


def texte_partage(par: str, nom: str, lien: str, liste: str) -> tuple[str, str]:
    """Subject and body of the e-mail announcing a shared search."""
    sujet = f"Data-État : {par} a partagé la recherche « {nom} » avec vous"
    texte = (
        "Bonjour,\n\n"
        f"{par} a partagé avec vous la recherche « {nom} » sur Data-État.\n\n"
        f"Pour l'ouvrir : {lien}\n"
        f"Vous la retrouverez aussi dans « Mes recherches », rubrique « Partagées avec moi » : {liste}\n\n"
        "Les lignes affichées sont celles que votre compte permet de voir.\n\n"
        "— Data-État (message automatique, merci de ne pas y répondre)\n"
    )
    return sujet, texte


def lien_absolu(request: Request, found: store.Sauvegarde) -> str:
    return str(request.base_url).rstrip("/") + sauvegardes.url(sauvegardes.recherche_de(found))


async def annoncer(request: Request, par: str, found: store.Sauvegarde, emails: list[str]) -> str:
    """Tell the recipients by e-mail when SMTP is configured: "envoye", "echec" or "non-configure"."""
    settings = request.app.state.settings
    if not settings.smtp_url:
        return "non-configure"
    liste = str(request.base_url).rstrip("/") + "/recherches"
    sujet, texte = texte_partage(par, found.nom, lien_absolu(request, found), liste)
    sent = await run_in_threadpool(
        envoyer, settings.smtp_url, settings.courriel_expediteur, emails, sujet, texte
    )
    return "envoye" if sent else "echec"
