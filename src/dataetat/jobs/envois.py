"""Resumable uploads: an upload session receives its files chunk by chunk, in the uploads store,
then becomes an import job (jobs/imports.py) on the assembled files.

    s = create(store, "agent", "53", choices, [Fichier("ae", "AE 2024.csv", 1_800_000_000)], morceau)
    put_chunk(store, s, "ae", 0, chunk_file)      # → bytes received so far; a wrong offset raises
    received(store, s)                            # {"ae": 8388608}: where to resume after a cut
    dossier, envois = assemble(store, s)          # whole files, sha256; the chunks stay
    drop_chunks(store, s)                         # once the import is queued (jobs/assemblage.py)

A session is files in the store (`sessions/<id>/session.json`, `sessions/<id>/<champ>/<n°>`), so
that any app server behind a load balancer takes the next chunk. A chunk is stored whole or not at
all (a cut connection stores nothing); the same chunk sent twice changes nothing; a chunk at any
other offset than the received size is refused with that size. A session expires
(`envoi_expiration_heures` after its creation): `sweep` removes it with its chunks — when an upload
starts, when a worker starts, and at the schedule's « envois » slots (jobs/planning.py: a job of type
`TYPE_MENAGE`, run by any worker).
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

from dataetat.jobs.import_fichiers import Envoi
from dataetat.jobs.noms import display_name, safe_name
from dataetat.stockage import Introuvable, Store

PREFIX = "sessions"
TYPE_MENAGE = "menage-envois"  # the job sweeping the expired sessions (schedule « envois »)
CHAMPS = ("ae", "cp")


class Decalage(Exception):
    """A chunk at another offset than expected: the client resumes at `attendu`."""

    def __init__(self, attendu: int) -> None:
        super().__init__(f"Morceau attendu à l'octet {attendu}.")
        self.attendu = attendu


class MorceauInvalide(Exception):
    """A chunk of the wrong length (or of an unknown file): French message."""


@dataclass(frozen=True)
class Fichier:
    champ: str  # "ae" or "cp"
    nom: str  # as the user named it (shown; the disk gets a safe name)
    taille: int


@dataclass
class Session:
    id: str
    proprietaire: str
    region_identite: str | None
    cree: float
    morceau: int
    annee: int | None
    region: str | None  # of the files (None: a national file)
    garder_valides: bool
    fichiers: list[Fichier]
    tache: int | None = None
    extra: dict = field(default_factory=dict)

    def fichier(self, champ: str) -> Fichier:
        for f in self.fichiers:
            if f.champ == champ:
                return f
        raise MorceauInvalide(f"Cet envoi n'a pas de fichier « {champ} ».")


def _key(store: Store, session_id: str, *parts: str) -> str:
    return store.key(PREFIX, session_id, *parts)


def save(store: Store, s: Session) -> None:
    store.put_bytes(_key(store, s.id, "session.json"), json.dumps(asdict(s)).encode())


def create(
    store: Store,
    owner: str,
    region_identite: str | None,
    *,
    annee: int | None,
    region: str | None,
    garder_valides: bool,
    fichiers: list[Fichier],
    morceau: int,
) -> Session:
    s = Session(
        uuid.uuid4().hex,
        owner,
        region_identite,
        time.time(),
        morceau,
        annee,
        region,
        garder_valides,
        fichiers,
    )
    save(store, s)
    return s


def load(store: Store, session_id: str, owner: str) -> Session | None:
    """The session, when it exists and is this owner's (else None: no oracle)."""
    try:
        raw = json.loads(store.read_bytes(_key(store, session_id, "session.json")))
    except Introuvable:
        return None
    raw["fichiers"] = [Fichier(**f) for f in raw["fichiers"]]
    s = Session(**raw)
    return s if s.proprietaire == owner else None


def _assembly_started(store: Store, session_id: str) -> float | None:
    """When « terminer » claimed the session's assembly (None: not asked, or released): the time
    its marker holds, one read. A marker of an earlier version (`1`) is dated by the store's listing."""
    key = _key(store, session_id, "assemblage")
    try:
        marker = json.loads(store.read_bytes(key))
    except Introuvable:
        return None
    if isinstance(marker, dict) and isinstance(marker.get("depuis"), int | float):
        return float(marker["depuis"])
    return next(
        (e.modifie for e in store.entries(_key(store, session_id)) if e.cle.endswith("/assemblage")), None
    )


def expired(store: Store, s: Session, seconds: float, now: float | None = None) -> bool:
    """Unfinished for `seconds` since its creation. A session whose assembly was asked for is
    counted from that moment: an upload finished just before its expiry is never swept while its
    files are assembled, nor while its page follows the assembly and the import. The store is read
    only past `seconds` after the creation (the claim comes after it): a page's poll reads nothing."""
    now = time.time() if now is None else now
    if now - s.cree <= seconds:
        return False
    since = _assembly_started(store, s.id) or s.cree
    return now - since > seconds


def _parts(store: Store, s: Session, champ: str) -> dict[int, int]:
    """Chunk number → size, of the chunks stored for one file."""
    found = {}
    for entry in store.entries(_key(store, s.id, champ)):
        name = entry.cle.rsplit("/", 1)[-1]
        if name.isdigit():
            found[int(name)] = entry.taille
    return found


def _received(s: Session, f: Fichier, parts: dict[int, int]) -> int:
    done, n = 0, 0
    while n in parts and parts[n] == min(s.morceau, f.taille - done):
        done += parts[n]
        n += 1
    return done


def received(store: Store, s: Session) -> dict[str, int]:
    """Bytes received of each file, from its first byte without a gap: where to resume."""
    return {f.champ: _received(s, f, _parts(store, s, f.champ)) for f in s.fichiers}


def expected_length(s: Session, champ: str, offset: int) -> int:
    f = s.fichier(champ)
    return max(0, min(s.morceau, f.taille - offset))


def put_chunk(store: Store, s: Session, champ: str, offset: int, chunk: Path) -> int:
    """Store the chunk of `champ` starting at `offset` (a local file of its bytes); returns the
    bytes received of that file. Raises Decalage (the offset to resume at) or MorceauInvalide."""
    f = s.fichier(champ)
    parts = _parts(store, s, champ)
    done = _received(s, f, parts)
    if offset % s.morceau or offset > done or (offset >= f.taille and f.taille):
        raise Decalage(done)
    size = chunk.stat().st_size
    if size != expected_length(s, champ, offset):
        raise MorceauInvalide(
            f"Morceau incomplet de « {f.nom} » : {size} octets reçus, {expected_length(s, champ, offset)} attendus."
        )
    if offset < done:  # sent again (its answer was lost): already here, nothing changes
        return done
    store.put(_key(store, s.id, champ, f"{offset // s.morceau:06d}"), chunk)
    return _received(s, f, _parts(store, s, champ))


def complete(store: Store, s: Session) -> bool:
    got = received(store, s)
    return all(got[f.champ] == f.taille for f in s.fichiers)


def claim_assembly(store: Store, s: Session) -> bool:
    """Only one request assembles a session (a retried « terminer » finds it taken)."""
    return store.create(_key(store, s.id, "assemblage"), json.dumps({"depuis": time.time()}).encode())


def folder_of(store: Store, s: Session) -> str:
    """The key of the upload folder its files are assembled into (as the form's uploads)."""
    return store.key(f"envoi-{s.id}")


def assemble(store: Store, s: Session, progress=None) -> tuple[str, list[Envoi]]:
    """Concatenate each file's chunks into the upload folder `envoi-<id>` and compute its sha256;
    returns the folder's key and the files. `progress(bytes hashed so far)`. The chunks stay
    (`drop_chunks` once the import is queued: a failure here can be tried again)."""
    folder = f"envoi-{s.id}"
    envois, done = [], 0
    for f in s.fichiers:
        n = -(-f.taille // s.morceau)
        parts = [_key(store, s.id, f.champ, f"{i:06d}") for i in range(n)]
        target = store.key(folder, f.champ, safe_name(f.nom, f.champ))
        store.concat(parts, target)
        digest = hashlib.sha256()
        for block in store.iter(target):
            digest.update(block)
            done += len(block)
            if progress is not None:
                progress(done)
        envois.append(Envoi(target, display_name(f.nom, f.champ), f.champ, digest.hexdigest(), f.taille))
    return store.key(folder), envois


def release_assembly(store: Store, s: Session) -> None:
    """The assembly failed: another « terminer » may try again."""
    store.delete(_key(store, s.id, "assemblage"))


def drop_chunks(store: Store, s: Session) -> None:
    """The import is queued (the session names it) or the files were refused: the chunks go."""
    for f in s.fichiers:
        store.delete_prefix(_key(store, s.id, f.champ))


def remove(store: Store, session_id: str) -> None:
    store.delete_prefix(store.key(PREFIX, session_id))


def sweep(store: Store, seconds: float, now: float | None = None) -> list[str]:
    """Remove the sessions created more than `seconds` ago (their assembly asked for more than
    `seconds` ago, when it was: `expired`), with their chunks; returns their ids."""
    now = time.time() if now is None else now
    oldest: dict[str, float] = {}
    assembly: dict[str, float] = {}
    for entry in store.entries(PREFIX):
        session_id = entry.cle.split(f"{PREFIX}/", 1)[-1].split("/", 1)[0]
        oldest[session_id] = min(oldest.get(session_id, entry.modifie), entry.modifie)
        if entry.cle.endswith(f"{session_id}/assemblage"):
            assembly[session_id] = entry.modifie
    gone = [sid for sid, when in oldest.items() if now - assembly.get(sid, when) > seconds]
    for sid in gone:
        remove(store, sid)
    return gone
