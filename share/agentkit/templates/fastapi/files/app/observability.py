"""Request metrics, structured logs and the last line of error handling.

The middleware installed by install() times every HTTP request and then
  - counts it in http_requests_total{method,path,status} and observes its
    duration in the histogram http_request_duration_seconds{method,path},
    where path is the route template ("/tasks/{id}"), never the raw URL, so
    the number of series stays bounded;
  - writes one JSON object per request to stderr (time, level, method, path,
    route, status, duration_ms);
  - answers an exception that nothing else handled with a 500 problem, and
    logs its traceback.

Metrics.render() writes the Prometheus text exposition format (0.0.4).
"""

import datetime
import json
import logging
import os
import sys
import threading
import time

from starlette.routing import Match

from app import problems

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

CONTENT_TYPE = "text/plain; version=0.0.4"

log = logging.getLogger("app.access")


def _label(value):
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(pairs):
    return "{" + ",".join('%s="%s"' % (k, _label(v)) for k, v in pairs) + "}"


def _number(value):
    return repr(float(value)) if isinstance(value, float) else str(value)


class Metrics:
    """Counters and histograms of the requests one application answered."""

    def __init__(self, buckets=BUCKETS):
        self.buckets = tuple(sorted(buckets))
        self._lock = threading.Lock()
        self._requests = {}
        self._durations = {}

    def observe(self, method, path, status, seconds):
        """Count one request that took seconds to answer."""
        with self._lock:
            key = (method, path, str(status))
            self._requests[key] = self._requests.get(key, 0) + 1
            hist = self._durations.get((method, path))
            if hist is None:
                hist = self._durations[(method, path)] = [[0] * len(self.buckets), 0.0, 0]
            for i, bound in enumerate(self.buckets):
                if seconds <= bound:
                    hist[0][i] += 1
            hist[1] += seconds
            hist[2] += 1

    def render(self):
        """Everything counted so far, in the Prometheus text format."""
        lines = [
            "# HELP http_requests_total HTTP requests answered.",
            "# TYPE http_requests_total counter",
        ]
        with self._lock:
            for (method, path, status), count in sorted(self._requests.items()):
                lines.append("http_requests_total%s %d" % (
                    _labels([("method", method), ("path", path), ("status", status)]),
                    count))
            lines.append("# HELP http_request_duration_seconds Time taken to answer "
                         "HTTP requests.")
            lines.append("# TYPE http_request_duration_seconds histogram")
            for (method, path), (counts, total, n) in sorted(self._durations.items()):
                base = [("method", method), ("path", path)]
                for bound, count in zip(self.buckets, counts):
                    lines.append("http_request_duration_seconds_bucket%s %d" % (
                        _labels(base + [("le", _number(bound))]), count))
                lines.append("http_request_duration_seconds_bucket%s %d" % (
                    _labels(base + [("le", "+Inf")]), n))
                lines.append("http_request_duration_seconds_sum%s %s" % (
                    _labels(base), _number(total)))
                lines.append("http_request_duration_seconds_count%s %d" % (
                    _labels(base), n))
        return "\n".join(lines) + "\n"


class JsonFormatter(logging.Formatter):
    """One JSON object per record; fields passed as extra={"fields": {...}}."""

    def format(self, record):
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.timezone.utc)
            .isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is when a record is emitted."""

    def __init__(self):
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


def configure_logging():
    """Send the "app" loggers to stderr as JSON lines (once per process).

    The level comes from LOG_LEVEL (default INFO, also when not a level).
    """
    logger = logging.getLogger("app")
    if not any(isinstance(h, StderrHandler) for h in logger.handlers):
        handler = StderrHandler()
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
    try:
        logger.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())
    except ValueError:
        logger.setLevel(logging.INFO)
    logger.propagate = False


def route_of(scope):
    """The template of the route that scope matched, or "unmatched"."""
    route = scope.get("route")
    if route is not None and hasattr(route, "path"):
        return route.path
    app = scope.get("app")
    partial = None
    for candidate in getattr(getattr(app, "router", None), "routes", ()):
        match, _ = candidate.matches(scope)
        if match == Match.FULL:
            return candidate.path
        if match == Match.PARTIAL and partial is None:
            partial = candidate.path
    return partial or "unmatched"


class ObservabilityMiddleware:
    """ASGI middleware: metrics, access log, 500 for unhandled exceptions."""

    def __init__(self, app, metrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        state = {"status": 500, "started": False}

        async def send_and_note(message):
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
                state["started"] = True
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        except Exception:
            log.exception("unhandled error", extra={"fields": {
                "method": scope["method"], "path": scope["path"]}})
            if state["started"]:
                raise
            state["status"] = 500
            response = problems.problem(500, "the server met an unexpected error")
            await response(scope, receive, send)
        finally:
            self._record(scope, state["status"], time.perf_counter() - start)

    def _record(self, scope, status, seconds):
        route = route_of(scope)
        self.metrics.observe(scope["method"], route, status, seconds)
        log.info("request", extra={"fields": {
            "method": scope["method"],
            "path": scope["path"],
            "route": route,
            "status": status,
            "duration_ms": round(seconds * 1000, 3),
        }})


def install(app):
    """Add the middleware to app; the Metrics it fills."""
    metrics = Metrics()
    app.add_middleware(ObservabilityMiddleware, metrics=metrics)
    return metrics
