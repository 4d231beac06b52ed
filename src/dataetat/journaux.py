"""Logs: one JSON object per line when the setting `journaux_json` is on (a log collector reads them),
and the **request id** in every line written while a request — or a job it submitted — runs.

    with journaux.request_scope("3f2a…"):      # the web middleware, the worker running a job
        log.info("…")                            # {"requete": "3f2a…", …}
    journaux.request_id()                        # the id of the current request, or None

The id travels in a context variable (asyncio tasks and the threads of `run_in_threadpool` copy
the context); a job stores it in its parameters (store/taches.py: `submit`), the worker restores it
while it runs the job."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

_REQUEST_ID: ContextVar[str | None] = ContextVar("dataetat_requete", default=None)
CHAMPS_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


def request_id() -> str | None:
    return _REQUEST_ID.get()


@contextmanager
def request_scope(value: str | None) -> Iterator[None]:
    token = _REQUEST_ID.set(value)
    try:
        yield
    finally:
        _REQUEST_ID.reset(token)


class JsonFormatter(logging.Formatter):
    """A log record as one JSON line: time (UTC, ISO 8601), level, logger, message, the request id
    and the record's `extra` fields; the traceback as one string."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "horodatage": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "niveau": record.levelname,
            "journal": record.name,
            "message": record.getMessage(),
        }
        if (rid := getattr(record, "requete", None) or request_id()) is not None:
            line["requete"] = rid
        for key, value in record.__dict__.items():
            if key not in CHAMPS_STANDARD and key not in line and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure_json(level: int = logging.INFO) -> None:
    """JSON lines on stderr for the whole process (`dataetat serve|worker` with `journaux_json`):
    the app's loggers and uvicorn's (`dataetat serve` then passes `log_config=None` to uvicorn), one
    line per request from the web middleware (logger `dataetat.requetes`)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    # the middleware writes one line per request, with its id and route: uvicorn's would repeat it;
    # the HTTP clients log every URL they call at INFO (query strings included): warnings only
    for name in ("uvicorn.access", "httpx", "httpcore", "botocore", "boto3", "urllib3"):
        logging.getLogger(name).setLevel(logging.WARNING)
