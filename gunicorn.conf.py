"""gunicorn settings for production (README: "Running in production").

Read by ``gunicorn -c gunicorn.conf.py 'lti_tool:create_app()'``; every value can be overridden
by a ``GUNICORN_*`` environment variable named below or on the command line.

Slow clients: a sync worker is busy for as long as one client takes to send its request or read
the answer, so a handful of slow connections can occupy every worker (issue 8: eight slow
clients timed out all four workers). The tool is meant to run behind a buffering reverse proxy
(nginx: ``docs/deploy/nginx.conf``) that receives the whole request before passing it on and takes
the whole answer at once; the ``gthread`` worker below additionally keeps idle keep-alive
connections off the worker threads, and a short ``timeout`` ends a stuck request.
"""

import multiprocessing
import os

# Only the proxy talks to gunicorn: listen on the loopback interface.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 8)))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", 4))
# Seconds a request may take before its worker is restarted (LMS services have their own
# timeouts, far shorter: http_timeout_seconds).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 30))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", 5))
# Bound what one request may send before the application sees it.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
# Recycle workers now and then (memory growth of long-lived processes).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 2000))
max_requests_jitter = 200
# Which proxy addresses may set X-Forwarded-*; the tool itself trusts them only as far as
# ``trusted_proxies`` says (ProxyFix), so keep both in step.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# With JSON logs (log_format = "json", log_requests = true) the tool writes its own access lines,
# with the request id; gunicorn's plain-text access log would only repeat them.
_json_logs = os.environ.get("LTI_TOOL_LOG_FORMAT", "").strip('"').lower() == "json"
accesslog = os.environ.get("GUNICORN_ACCESSLOG", None if _json_logs else "-")
errorlog = "-"
