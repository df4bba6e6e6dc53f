"""An SMTP server in the test process, to receive what the app sends (the inbox fixture)."""

from __future__ import annotations

import threading
import time
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from .servers import free_port


class Inbox:
    """An SMTP server's handler: keeps what arrives; can refuse, or call back on a mail."""

    def __init__(self):
        self.messages = []
        self.refuse_with: str | None = None
        self.on_message = None
        self.arrived = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_with:
            return self.refuse_with
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        self.arrived.set()
        if self.on_message:
            self.on_message(len(self.messages))
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            assert time.monotonic() < deadline, f"{len(self.messages)} of {count} mails arrived"
            time.sleep(0.05)


@pytest.fixture
def inbox():
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.port = controller.port
    yield handler
    controller.stop()


@pytest.fixture
def smtp_app(app, inbox):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=inbox.port, MAIL_DEFAULT_SENDER="forum@forum.test")
    return app
