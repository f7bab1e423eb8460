"""Structured logs: one JSON object a line on stdout (``GRIDGOV_LOG_FORMAT=json``), for log collectors.

Each line has ``ts`` (UTC, ISO 8601), ``level``, ``logger``, ``msg``, the process id and, inside a
request or a job, its ``request_id`` and ``user`` (the account name, never personal data). Gunicorn's
access log lines (see ``deploy/gunicorn.conf.py``) carry the request's method, path, status, size and
duration as fields instead of a formatted string.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os

# Gunicorn's access-log atoms -> field names (the query string is left out: it may carry search terms).
ACCESS_FIELDS = {"m": "method", "U": "path", "s": "status", "B": "bytes", "M": "ms", "h": "remote"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "pid": os.getpid(),
        }
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            atoms = record.args
            out["msg"] = "request"
            for atom, name in ACCESS_FIELDS.items():
                value = atoms.get(atom, "-")
                out[name] = int(value) if name in {"status", "ms", "bytes"} and str(value).isdigit() else value
            request_id = atoms.get("{x-request-id}o", "-")
            if request_id != "-":
                out["request_id"] = request_id
        else:
            out["msg"] = record.getMessage()
            from gridgov.core.context import current

            actor = current()
            if actor.request_id:
                out["request_id"] = actor.request_id
            if actor.username:
                out["user"] = actor.username
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)
