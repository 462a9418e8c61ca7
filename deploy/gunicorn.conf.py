"""gunicorn settings for the APIs in containers.

    gunicorn -c deploy/gunicorn.conf.py services.<service>.entrypoints.wsgi:app

Tuned from the environment: PORT, WEB_CONCURRENCY, GUNICORN_THREADS, GUNICORN_TIMEOUT,
GUNICORN_MAX_REQUESTS, LOG_LEVEL; PROMETHEUS_MULTIPROC_DIR turns on multi-process metrics.
"""
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"

# Set explicitly rather than from the CPU count: a container sees the host's cores, not its limit.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# gthread, not sync: no buffering proxy sits in front of the APIs in compose, and a sync worker is
# held by one slow client and cannot keep connections alive. A few threads also overlap the database
# waits of concurrent requests. Keep threads at or under the engine's pool size (5), so a request
# never queues for a connection.
# gthread's worker, answering what gunicorn refuses itself (a request line over limit_request_line,
# headers over limit_request_fields / limit_request_field_size, malformed HTTP) in the platform's
# JSON error format rather than gunicorn's HTML page.
worker_class = "shared.web.gunicorn_worker.JsonErrorThreadWorker"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

# Each worker opens its own database and broker connections after fork; nothing is shared.
preload_app = False

timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# Compose gives a container 30 s (stop_grace_period) between SIGTERM and SIGKILL; finish in-flight
# requests within 25 s so the master exits cleanly before it is killed.
graceful_timeout = 25
keepalive = 5
# gunicorn 25.1+ opens a control socket under $HOME, which the image's user cannot write; nothing
# in a container uses it.
control_socket_disable = True
# Workers' liveness files go to memory: on a container's overlay filesystem they can stall a worker.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# Recycle workers now and then so a slow leak cannot grow without bound; jitter keeps them from
# all restarting at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "10000"))
max_requests_jitter = max_requests // 10

accesslog = "-"
logger_class = "shared.access_log.MaskingLogger"  # join-link tokens never reach the access log
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# %(U)s is the path without the query string: tokens or personal data in a query never reach the log.
access_log_format = (
    '{"logger": "gunicorn.access", "remote": "%(h)s", "method": "%(m)s", "path": "%(U)s", '
    '"status": %(s)s, "bytes": "%(b)s", "duration_ms": %(M)s, "correlation_id": "%({x-correlation-id}o)s"}'
)

if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):

    def child_exit(server, worker):
        # Drop a dead worker's live gauges from the metrics the other workers serve.
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
