"""Downloads of the harvester, robust to the real web: a timeout on every request, redirects
followed (at most a few), 4xx/5xx and network failures turned into a French message, a size cap
checked while reading (a huge file is abandoned, never held), the file streamed to a temporary
file with its sha256."""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx

USER_AGENT = "Data-Etat moissonneur DECP (+https://github.com/)"
MAX_REDIRECTIONS = 5
CHUNK = 1 << 16


class EchecTelechargement(Exception):
    """A download that failed; the message is French and says why."""


@dataclass
class Fichier:
    chemin: Path
    empreinte: str
    taille: int
    url_finale: str
    content_type: str | None


def client(delai_s: float) -> httpx.Client:
    return httpx.Client(
        timeout=httpx.Timeout(delai_s),
        follow_redirects=True,
        max_redirects=MAX_REDIRECTIONS,
        headers={"User-Agent": USER_AGENT},
    )


def telecharger(http: httpx.Client, url: str, dossier: Path, taille_max: int) -> Fichier:
    """`url` into a new file of `dossier`; EchecTelechargement with a French reason otherwise."""
    digest, size = hashlib.sha256(), 0
    handle = tempfile.NamedTemporaryFile(dir=dossier, delete=False, suffix=".telechargement")
    path = Path(handle.name)
    try:
        with handle, http.stream("GET", url) as response:
            if response.status_code >= 400:
                raise EchecTelechargement(f"{url} : réponse HTTP {response.status_code}")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > taille_max:
                raise EchecTelechargement(
                    f"{url} : fichier trop gros ({int(declared)} octets annoncés, au plus {taille_max})"
                )
            for chunk in response.iter_bytes(CHUNK):
                size += len(chunk)
                if size > taille_max:
                    raise EchecTelechargement(
                        f"{url} : fichier trop gros (plus de {taille_max} octets), abandonné"
                    )
                digest.update(chunk)
                handle.write(chunk)
            final, ctype = str(response.url), response.headers.get("content-type")
    except EchecTelechargement:
        path.unlink(missing_ok=True)
        raise
    except httpx.TooManyRedirects as exc:
        path.unlink(missing_ok=True)
        raise EchecTelechargement(f"{url} : trop de redirections (plus de {MAX_REDIRECTIONS})") from exc
    except httpx.TimeoutException as exc:
        path.unlink(missing_ok=True)
        raise EchecTelechargement(f"{url} : le serveur ne répond pas à temps") from exc
    except (httpx.HTTPError, OSError, ValueError) as exc:
        path.unlink(missing_ok=True)
        raise EchecTelechargement(f"{url} : {type(exc).__name__} {str(exc)[:150]}") from exc
    return Fichier(path, digest.hexdigest(), size, final, ctype)
