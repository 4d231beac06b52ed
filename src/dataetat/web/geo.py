"""Static files compressed once per process, not at each request (GZipMiddleware compresses
maplibre-gl.js, 1 MB, at level 9 each time a fresh page asks for it: ~0.15 s of CPU idle, over 1 s
on a busy server), and the map contours, `/static/geo/…` (built by scripts/build_geo.py, format in
static/geo/README.md), also cached by the browser for a year.

`static/geo/index.json` names each file with a content hash (`/static/geo/communes/35.json?v=<12
hex digits of its SHA-256>`): a request whose `v` is the file's current hash gets
`Cache-Control: public, max-age=31536000, immutable` (a rebuilt file has a new hash, so a new URL);
any other request (index.json itself, no or an old `v`) gets `no-cache` and an ETag, so the browser
revalidates (304) rather than downloading again. Public, like the rest of /static: contours only."""

from __future__ import annotations

import gzip
import hashlib
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import Headers
from starlette.types import Scope

GEO = Path(__file__).resolve().parent / "static" / "geo"
IMMUTABLE = "public, max-age=31536000, immutable"
MEDIA = {".json": "application/json", ".md": "text/markdown; charset=utf-8"}
COMPRESSIBLE = {".js", ".css", ".json", ".svg", ".html", ".txt", ".md", ".map"}

router = APIRouter(include_in_schema=False)


def version(data: bytes) -> str:
    """The `v` of a file's URL (scripts/build_geo.py writes the same into index.json)."""
    return hashlib.sha256(data).hexdigest()[:12]


@lru_cache(maxsize=1024)
def _load(path: str, mtime_ns: int, size: int) -> tuple[bytes, bytes, str]:
    """(bytes, gzip bytes, version) of a file; keyed on its mtime and size, so a rebuilt file is read again."""
    data = Path(path).read_bytes()
    return data, gzip.compress(data, compresslevel=9, mtime=0), version(data)


@router.get("/static/geo/{name:path}")
def geo_file(name: str, request: Request, v: str | None = None) -> Response:
    path = (GEO / name).resolve()
    if not path.is_relative_to(GEO) or not path.is_file() or path.suffix not in MEDIA:
        return Response("Fichier introuvable.", status_code=404, media_type="text/plain; charset=utf-8")
    stat = path.stat()
    data, packed, digest = _load(str(path), stat.st_mtime_ns, stat.st_size)
    headers = {
        "ETag": f'"{digest}"',
        "Cache-Control": IMMUTABLE if v == digest else "no-cache",
        "Vary": "Accept-Encoding",
    }
    if digest in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", "").lower():
        headers["Content-Encoding"] = "gzip"  # GZipMiddleware leaves an encoded response alone
        return Response(packed, media_type=MEDIA[path.suffix], headers=headers)
    return Response(data, media_type=MEDIA[path.suffix], headers=headers)


class CompressedStaticFiles(StaticFiles):
    """StaticFiles whose text files go out gzip-compressed from a per-process cache (ETag,
    Last-Modified and 304s unchanged; range requests and small files left as they are)."""

    def file_response(self, full_path, stat_result, scope: Scope, status_code: int = 200) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        headers = Headers(scope=scope)
        if (
            response.status_code != 200
            or Path(full_path).suffix not in COMPRESSIBLE
            or stat_result.st_size < 1024
            or "range" in headers
            or "gzip" not in headers.get("accept-encoding", "").lower()
        ):
            return response
        _, packed, _ = _load(str(full_path), stat_result.st_mtime_ns, stat_result.st_size)
        kept = {
            k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-type")
        }
        kept |= {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
        return Response(packed, media_type=response.media_type, headers=kept)
