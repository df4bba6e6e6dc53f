"""/metrics for the operator's Prometheus: behind a token, requests by route, the outbox."""

from __future__ import annotations

import os
import re
import tempfile

import pytest

from .factories import register_by_api

TOKEN = "metrics-token-for-tests"
# prometheus_client keeps its files open per process: one folder for the whole run, and the
# tests compare counts before and after.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="eventapp-test-metrics-"))


def sample(text: str, line_start: str) -> float:
    found = re.search(re.escape(line_start) + r" ([0-9.e+]+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


@pytest.fixture
def metrics_app(app):
    from eventapp import create_app

    return create_app(
        {
            **{
                k: app.config[k]
                for k in (
                    "TESTING",
                    "SQLALCHEMY_DATABASE_URI",
                    "WTF_CSRF_ENABLED",
                    "RATELIMIT_ENABLED",
                    "PRERENDER_DOCUMENTS",
                    "HUEY_IMMEDIATE",
                    "MAIL_SEND_AFTER_COMMIT",
                    "SERVER_NAME",
                )
            },
            "METRICS_TOKEN": TOKEN,
        }
    )


def test_metrics_are_off_without_a_token_and_refused_with_a_wrong_one(client, metrics_app):
    assert client.get("/metrics").status_code == 404  # METRICS_TOKEN unset: no endpoint
    guarded = metrics_app.test_client()
    assert guarded.get("/metrics").status_code == 401
    assert guarded.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_metrics_count_requests_by_route_and_show_the_outbox_and_print_jobs(metrics_app, forum):
    client = metrics_app.test_client()

    def scrape() -> str:
        answer = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert answer.status_code == 200 and answer.mimetype == "text/plain"
        return answer.get_data(as_text=True)

    registered = 'eventapp_http_requests_total{method="POST",route="/api/v1/registrations",status="201"}'
    private = 'eventapp_http_requests_total{method="GET",route="/r/<token>",status="200"}'
    timed = 'eventapp_http_request_duration_seconds_bucket{le="+Inf",route="/healthz"}'
    before = scrape()
    created = register_by_api(client, ["exhibition"])
    private_path = created.json["manage_url"].split("forum.test", 1)[1]
    client.get(private_path)
    client.get("/healthz")
    after = scrape()
    for line in (registered, private, timed):
        assert sample(after, line) == sample(before, line) + 1, line
    assert 'eventapp_outbox_mails{state="due"} 1.0' in after  # the registration's mail, not sent yet
    assert 'eventapp_outbox_mails{state="failed"} 0.0' in after
    assert 'eventapp_print_jobs{state="running"} 0.0' in after
    assert "eventapp_queue_pending_tasks" in after
    assert private_path.split("/")[2] not in after  # no private link's token
