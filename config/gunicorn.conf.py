"""gunicorn settings for production: `gunicorn -c config/gunicorn.conf.py config.wsgi:application`.

Sync workers, one per CPU core (GUNICORN_WORKERS to change), bound to GUNICORN_BIND
(default 127.0.0.1:8000) behind a reverse proxy such as nginx, which keeps client
connections alive and buffers slow clients as gunicorn's documentation advises for sync
workers.

Why sync and not threads: the API is CPU-bound Python. Threads of one worker take turns
on one interpreter lock, and a keep-alive connection stays with the worker that accepted
it, so under load one worker queues while another idles. Measured on the 1M-project
benchmark, 2 sync workers against 2 workers × 4 threads: the same throughput and a far
lower p99 (figures in docs/benchmarks/api.md).
"""

from __future__ import annotations

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS") or multiprocessing.cpu_count())
worker_class = "sync"
timeout = 60
graceful_timeout = 30
