"""Following a request: its id in the answer and in every log line, logs as JSON lines."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from types import SimpleNamespace

from gunicorn.config import Config

from eventapp.observability import JsonLineFormatter, RequestContextFilter
from eventapp.serving import RedactingAccessLogger

TOKEN = "WWEcpluQIkz5Fncwd5CET7VAbYGxlQpAC-buiM5_1kY"


def test_every_answer_names_its_request_id_and_keeps_the_proxys(client):
    made = client.get("/healthz").headers["X-Request-ID"]
    assert len(made) == 32 and made != client.get("/healthz").headers["X-Request-ID"]
    assert client.get("/healthz", headers={"X-Request-ID": "proxy-4711.a"}).headers["X-Request-ID"] == "proxy-4711.a"
    # A header that could forge log lines is replaced, not echoed.
    forged = client.get("/healthz", headers={"X-Request-ID": 'x" level=error'}).headers["X-Request-ID"]
    assert forged != 'x" level=error' and len(forged) == 32
    # A request the input guards refuse has one too.
    assert "X-Request-ID" in client.get("/programme?q=%00").headers


def test_log_lines_are_json_with_the_request_id_and_no_private_link_token(app):
    formatter, context = JsonLineFormatter(), RequestContextFilter()
    with app.test_request_context(f"/r/{TOKEN}", headers={"X-Request-ID": "abc-1"}):
        app.preprocess_request()
        record = logging.LogRecord(
            "eventapp.services.mail", logging.WARNING, __file__, 1, "sent %s", ("/r/" + TOKEN,), None
        )
        context.filter(record)
        line = json.loads(formatter.format(record))
    assert line["level"] == "warning" and line["logger"] == "eventapp.services.mail"
    assert line["request_id"] == "abc-1" and line["method"] == "GET"
    assert line["path"] == "/r/<token>" and line["message"] == "sent /r/<token>"
    assert line["time"].endswith("+00:00")


def test_the_access_log_is_one_json_object_a_request_with_log_format_json(monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "json")
    cfg = Config()
    cfg.set("accesslog", "-")
    logger = RedactingAccessLogger(cfg)
    written = []
    monkeypatch.setattr(logger.access_log, "info", lambda message, *args: written.append(message))
    response = SimpleNamespace(status="201 CREATED", sent=87, headers=[("X-Request-ID", "abc-1")])
    environ = {
        "REQUEST_METHOD": "POST",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.9",
        "RAW_URI": f"/r/{TOKEN}/cancel",
        "PATH_INFO": f"/r/{TOKEN}/cancel",
        "QUERY_STRING": "",
    }
    logger.access(response, SimpleNamespace(headers=[]), environ, timedelta(milliseconds=12))
    (line,) = [json.loads(message) for message in written]
    assert line["method"] == "POST" and line["status"] == 201 and line["path"] == "/r/<token>/cancel"
    assert line["request_id"] == "abc-1" and line["duration_ms"] == 12.0 and line["remote"] == "203.0.113.9"
    assert TOKEN not in json.dumps(line)
