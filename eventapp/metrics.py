"""/metrics in Prometheus' text format, for the operator's monitoring, behind METRICS_TOKEN
(unset: there is no /metrics).

Requests (by route, method and status) and their latency are counted in every gunicorn
worker with prometheus_client's multiprocess mode: each process writes its own file in
PROMETHEUS_MULTIPROC_DIR (default <instance>/metrics; empty it when deploying) and a scrape
sums them. What the database knows (mails due and failed, print jobs by state) and the
background queue's length are read at each scrape, so they are the same on every server.
Routes are the URL rules (/r/<token>), never the paths, so no private link reaches them.
"""

from __future__ import annotations

import hmac
import os
import threading
import time
from pathlib import Path

from flask import Blueprint, Flask, abort, current_app, g, request
from sqlalchemy import func, select

from .extensions import db, limiter
from .models import MailStatus, OutboxMail, PrintJob, PrintJobStatus, utcnow
from .tasks import huey

bp = Blueprint("metrics", __name__)
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
_request_metrics: tuple | None = None


def _prometheus():
    """prometheus_client in multiprocess mode (its value class is chosen from the
    environment, so it is chosen again once the folder is set)."""
    import prometheus_client
    from prometheus_client import values

    values.ValueClass = values.get_value_class()
    return prometheus_client


_metrics_made = threading.Lock()  # threaded workers: two first requests must not both make them


def request_metrics() -> tuple:
    global _request_metrics
    with _metrics_made:
        if _request_metrics is None:
            _request_metrics = _new_request_metrics()
    return _request_metrics


def _new_request_metrics() -> tuple:
    prometheus = _prometheus()
    return (
        prometheus.Counter(
            "eventapp_http_requests",
            "Requests answered, by route, method and status.",
            ["route", "method", "status"],
            registry=None,
        ),
        prometheus.Histogram(
            "eventapp_http_request_duration_seconds",
            "Time to answer a request, by route.",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=None,
        ),
    )


class ApplicationState:
    """Read at each scrape: the outbox, the print jobs, the background queue."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        with self.app.app_context():
            now = utcnow()
            due = db.session.execute(
                select(func.count())
                .select_from(OutboxMail)
                .where(OutboxMail.status == MailStatus.QUEUED, OutboxMail.next_attempt_at <= now)
            ).scalar_one()
            failed = db.session.execute(
                select(func.count()).select_from(OutboxMail).where(OutboxMail.status == MailStatus.FAILED)
            ).scalar_one()
            jobs = dict(db.session.execute(select(PrintJob.status, func.count()).group_by(PrintJob.status)).all())
            db.session.rollback()
        outbox = GaugeMetricFamily("eventapp_outbox_mails", "Mails in the outbox, by state.", labels=["state"])
        outbox.add_metric(["due"], due)
        outbox.add_metric(["failed"], failed)
        yield outbox
        print_jobs = GaugeMetricFamily("eventapp_print_jobs", "Print-shop batches, by state.", labels=["state"])
        for state in PrintJobStatus:
            print_jobs.add_metric([state.value], jobs.get(state, 0))
        yield print_jobs
        try:
            pending = huey.pending_count()
        except Exception:  # noqa: BLE001 - the queue's store (Redis) is down: leave the gauge out
            return
        yield GaugeMetricFamily(
            "eventapp_queue_pending_tasks", "Background tasks waiting for a consumer.", value=pending
        )


def _authorised() -> bool:
    sent = request.headers.get("Authorization", "")
    expected = "Bearer " + current_app.config["METRICS_TOKEN"]
    return hmac.compare_digest(sent.encode(), expected.encode())


@bp.get("/metrics")
@limiter.exempt
def metrics():
    if not current_app.config["METRICS_TOKEN"]:
        abort(404)
    if not _authorised():
        abort(401)
    prometheus = _prometheus()
    from prometheus_client import multiprocess

    registry = prometheus.CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(ApplicationState(current_app._get_current_object()))
    return (
        prometheus.generate_latest(registry),
        200,
        {
            "Content-Type": prometheus.CONTENT_TYPE_LATEST,
            "Cache-Control": "no-store",
        },
    )


def register(app: Flask) -> None:
    if not app.config["METRICS_TOKEN"]:
        return
    folder = os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(Path(app.instance_path) / "metrics"))
    Path(folder).mkdir(parents=True, exist_ok=True)
    requests, latency = request_metrics()

    @app.before_request
    def start_clock():
        g.request_started = time.perf_counter()

    @app.after_request
    def count_request(response):
        route = request.url_rule.rule if request.url_rule else "(no route)"
        requests.labels(route, request.method, str(response.status_code)).inc()
        if "request_started" in g:
            latency.labels(route).observe(time.perf_counter() - g.request_started)
        return response
