"""Transports hand a built message over: to the SMTP server when MAIL_SERVER is set, else
to .eml files in instance/mail/ (so a new user can open what delegates would get)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _


class SmtpTransport:
    def __init__(self, config):
        self.config = config

    def send(self, message: EmailMessage, envelope_from: str, recipient: str) -> None:
        c = self.config
        timeout = c["MAIL_TIMEOUT"]
        smtp: smtplib.SMTP
        if c["MAIL_USE_SSL"]:
            smtp = smtplib.SMTP_SSL(
                c["MAIL_SERVER"], c["MAIL_PORT"], timeout=timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(c["MAIL_SERVER"], c["MAIL_PORT"], timeout=timeout)
        try:
            if c["MAIL_USE_TLS"] and not c["MAIL_USE_SSL"]:
                smtp.starttls(context=ssl.create_default_context())
            if c["MAIL_USERNAME"]:
                smtp.login(c["MAIL_USERNAME"], c["MAIL_PASSWORD"])
            smtp.send_message(message, from_addr=envelope_from, to_addrs=[recipient])
        except BaseException:
            smtp.close()
            raise
        try:  # the server has the mail: a failed goodbye must not send it again
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def describe(self) -> str:
        return _("the SMTP server %(server)s", server=f"{self.config['MAIL_SERVER']}:{self.config['MAIL_PORT']}")


class DirectoryTransport:
    """Writes each mail to a .eml file: the default without MAIL_SERVER, so a new user can
    open what delegates would get. One file per outbox mail: a repeat overwrites it."""

    def __init__(self, directory: Path):
        self.directory = directory

    def send(self, message: EmailMessage, envelope_from: str, recipient: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = message["Message-ID"].strip("<>").replace("@", "_at_").replace("/", "_")
        target = self.directory / f"{name}.eml"
        partial = target.with_suffix(".part")
        partial.write_bytes(bytes(message))
        partial.replace(target)

    def describe(self) -> str:
        return _("files in %(folder)s (no MAIL_SERVER is set)", folder=self.directory)


def transport() -> SmtpTransport | DirectoryTransport:
    """The transport the configuration asks for."""
    config = current_app.config
    if config.get("MAIL_SERVER"):
        return SmtpTransport(config)
    return DirectoryTransport(Path(current_app.instance_path) / "mail")


def describe_transport() -> str:
    return transport().describe()
