"""Gunicorn's configuration for `make serve` and app nodes (gunicorn -c deploy/gunicorn.conf.py gridgov.wsgi).

Read from the environment: GRIDGOV_BIND (127.0.0.1:8000), GRIDGOV_WORKERS (2 x cores + 1),
GRIDGOV_TIMEOUT (60 s), GRIDGOV_LOG_FORMAT (json: one JSON object a line, also for the access log).
"""

import multiprocessing
import os

bind = os.environ.get("GRIDGOV_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GRIDGOV_WORKERS", 2 * multiprocessing.cpu_count() + 1))
worker_class = "sync"  # one request per process: Django's ORM, SQLite's writer and the pool all assume it
timeout = int(os.environ.get("GRIDGOV_TIMEOUT", 60))
graceful_timeout = 30
# Restart a process now and then (jittered so they do not all restart at once) to bound memory growth.
max_requests = int(os.environ.get("GRIDGOV_MAX_REQUESTS", 5000))
max_requests_jitter = max_requests // 10
accesslog = "-"
errorlog = "-"
# The proxy in front (nginx, a load balancer) may set X-Forwarded-Proto; trust it only from these addresses.
forwarded_allow_ips = os.environ.get("GRIDGOV_FORWARDED_ALLOW_IPS", "127.0.0.1")

if os.environ.get("GRIDGOV_LOG_FORMAT", "text") == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "gridgov.core.logs.JsonFormatter"}},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"},
        },
        "loggers": {
            "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
            "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
        },
    }
