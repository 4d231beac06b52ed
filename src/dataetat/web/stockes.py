"""A stored file sent to the browser: the file itself from a local folder (ranges, sendfile), or
streamed from the object store chunk by chunk (never whole in memory, never a URL of the store)."""

from __future__ import annotations

from fastapi.concurrency import iterate_in_threadpool, run_in_threadpool
from fastapi.responses import FileResponse, Response, StreamingResponse

from dataetat.stockage import Store


async def stream_stored(store: Store, key: str, media_type: str, name: str, missing: Exception) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    local = store.local_path(key)
    if local is not None:
        if not local.is_file():
            raise missing
        return FileResponse(local, media_type=media_type, headers=headers)
    size = await run_in_threadpool(store.size, key)
    if size is None:
        raise missing
    headers["Content-Length"] = str(size)
    return StreamingResponse(iterate_in_threadpool(store.iter(key)), media_type=media_type, headers=headers)
