"""The private link's token never reaches gunicorn's access log (`make run` logs to stdout)."""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import timedelta
from types import SimpleNamespace

from gunicorn.config import Config

from eventapp.serving import RedactingAccessLogger, redact

from .servers import gunicorn_server

TOKEN = "WWEcpluQIkz5Fncwd5CET7VAbYGxlQpAC-buiM5_1kY"  # what a private link's token looks like


def logged_line(environ: dict, response_headers=()) -> str:
    """The access-log line gunicorn writes for a request, in its default (combined) format."""
    cfg = Config()
    logger = RedactingAccessLogger(cfg)
    request = SimpleNamespace(
        headers=[(k[5:].replace("_", "-"), v) for k, v in environ.items() if k.startswith("HTTP_")]
    )
    response = SimpleNamespace(status="200 OK", sent=512, headers=list(response_headers))
    base = {"REQUEST_METHOD": "GET", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "203.0.113.9"}
    environ = {**base, **environ}
    atoms = logger.atoms(response, request, environ, timedelta(milliseconds=12))
    return cfg.access_log_format % logger.atoms_wrapper_class(atoms)


def test_the_token_is_cut_from_the_request_line_and_the_referer():
    line = logged_line(
        {
            "RAW_URI": f"/r/{TOKEN}/agenda.pdf?lang=de",
            "PATH_INFO": f"/r/{TOKEN}/agenda.pdf",
            "QUERY_STRING": "lang=de",
            "HTTP_REFERER": f"https://forum.example/r/{TOKEN}",
            "HTTP_USER_AGENT": "Firefox",
        }
    )
    assert TOKEN not in line
    assert '"GET /r/<token>/agenda.pdf?lang=de HTTP/1.1" 200 512 "https://forum.example/r/<token>" "Firefox"' in line


def test_the_token_is_cut_from_a_query_and_from_every_other_atom():
    query = f"next=%2Fr%2F{TOKEN}%2Fedit"
    cfg_atoms = RedactingAccessLogger(Config()).atoms(
        SimpleNamespace(status="302 FOUND", sent=0, headers=[("Location", f"/r/{TOKEN}/confirmation")]),
        SimpleNamespace(headers=[("REFERER", f"/r/{TOKEN}")]),
        {
            "REQUEST_METHOD": "GET",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "RAW_URI": f"/language/de?{query}",
            "PATH_INFO": "/language/de",
            "QUERY_STRING": query,
            "HTTP_REFERER": f"/r/{TOKEN}",
        },
        timedelta(0),
    )
    leaks = {name: value for name, value in cfg_atoms.items() if TOKEN in str(value)}
    assert leaks == {}
    assert cfg_atoms["q"] == "next=%2Fr%2F<token>%2Fedit"
    assert cfg_atoms["{location}o"] == "/r/<token>/confirmation"
    assert cfg_atoms["{raw_uri}e"] == "/language/de?next=%2Fr%2F<token>%2Fedit"


def test_other_paths_stay_readable():
    for path in (
        "/r/lost",
        "/register",
        "/sessions/exhibition",
        "/static/vendor/zxing-wasm/zxing_reader.wasm",
        "/api/v1/registrations",
    ):
        assert redact(path) == path
    assert redact(f"/r/lost{TOKEN}") == "/r/<token>"  # only the page /r/lost is kept


def test_gunicorn_with_the_logger_class_of_make_run_logs_no_token(tmp_path):
    """The command line of `make run`, on a fresh SQLite database: the log has the request, not the token."""
    from flask_migrate import upgrade

    from eventapp import create_app
    from eventapp.extensions import db

    url = f"sqlite:///{tmp_path / 'eventapp.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    log = tmp_path / "access.log"
    options = ("--access-logfile", str(log), "--logger-class", "eventapp.serving.RedactingAccessLogger")
    with gunicorn_server(url, tmp_path / "instance", workers=1, options=options) as base:
        request = urllib.request.Request(base + f"/r/{TOKEN}/edit?lang=de", headers={"Referer": f"{base}/r/{TOKEN}"})
        try:
            urllib.request.urlopen(request, timeout=5)
        except urllib.error.HTTPError as error:
            assert error.code == 404  # no such delegate: logged all the same
    text = log.read_text()
    assert "/r/<token>/edit?lang=de" in text and f'"{base}/r/<token>"' in text
    assert TOKEN not in text


def test_an_error_on_a_private_page_logs_the_route_not_the_token(app, client, forum, monkeypatch, caplog):
    from eventapp.services import private_links

    def broken(token):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(private_links, "find_delegate_by_token", broken)
    response = client.get("/r/SECRETTOKEN123456789")
    assert response.status_code == 500
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "Unhandled error on GET /r/<token>" in logged and "SECRETTOKEN" not in logged
