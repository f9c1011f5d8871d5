"""Outgoing email over SMTP with the standard library (smtplib, email.message): plain text, a timeout.

Mail is configured when MAIL_SERVER and MAIL_DEFAULT_SENDER are set. `send_in_background` copies
the settings and sends from a thread, so a request never waits on (or reveals) an SMTP conversation;
a failure there is logged, never raised into a request.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from flask import current_app

log = logging.getLogger("mymovielist.mail")


@dataclass(frozen=True)
class MailSettings:
    server: str
    port: int
    username: str
    password: str
    use_tls: bool  # STARTTLS after connecting in plain text (port 587)
    use_ssl: bool  # TLS from the first byte (port 465)
    sender: str
    timeout: float


def check_settings(config: Mapping[str, Any]) -> None:
    """Refuse to start with mail settings that cannot work."""
    if not config.get("MAIL_SERVER"):
        return
    if not config.get("MAIL_DEFAULT_SENDER"):
        raise ValueError("MAIL_SERVER is set but MAIL_DEFAULT_SENDER is not: emails need a From address")
    if config.get("MAIL_USE_TLS") and config.get("MAIL_USE_SSL"):
        raise ValueError("choose MAIL_USE_TLS (STARTTLS, usually port 587) or MAIL_USE_SSL (port 465), not both")
    port = config.get("MAIL_PORT")
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise ValueError(f"MAIL_PORT must be a port number, not {port!r}")


def settings(config: Mapping[str, Any] | None = None) -> MailSettings | None:
    """The app's mail settings, or None when mail is not configured."""
    config = current_app.config if config is None else config
    if not config.get("MAIL_SERVER") or not config.get("MAIL_DEFAULT_SENDER"):
        return None
    return MailSettings(
        server=config["MAIL_SERVER"], port=int(config["MAIL_PORT"]), username=config.get("MAIL_USERNAME") or "",
        password=config.get("MAIL_PASSWORD") or "", use_tls=bool(config.get("MAIL_USE_TLS")),
        use_ssl=bool(config.get("MAIL_USE_SSL")), sender=config["MAIL_DEFAULT_SENDER"],
        timeout=float(config.get("MAIL_TIMEOUT", 10)),
    )


def is_configured() -> bool:
    return settings() is not None


def build_message(mail: MailSettings, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = mail.sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=mail.sender.rpartition("@")[2].strip("> ") or None)
    message.set_content(body)
    return message


def send(mail: MailSettings, to: str, subject: str, body: str) -> None:
    """Send one plain-text message now; raises OSError or smtplib.SMTPException on failure."""
    message = build_message(mail, to, subject, body)
    context = ssl.create_default_context()
    if mail.use_ssl:
        client: smtplib.SMTP = smtplib.SMTP_SSL(mail.server, mail.port, timeout=mail.timeout, context=context)
    else:
        client = smtplib.SMTP(mail.server, mail.port, timeout=mail.timeout)
    with client:
        if mail.use_tls:
            client.starttls(context=context)
        if mail.username:
            client.login(mail.username, mail.password)
        client.send_message(message)


def _send_logged(mail: MailSettings, to: str, subject: str, body: str) -> None:
    try:
        send(mail, to, subject, body)
    except (OSError, smtplib.SMTPException) as error:
        log.error("Could not send %r through %s:%s: %s", subject, mail.server, mail.port, error)
    else:
        log.info("Sent %r through %s:%s", subject, mail.server, mail.port)


def send_in_background(to: str, subject: str, body: str) -> threading.Thread:
    """Send from a daemon thread with a copy of the settings; the caller does not wait."""
    mail = settings()
    if mail is None:
        raise RuntimeError("mail is not configured (MAIL_SERVER, MAIL_DEFAULT_SENDER)")
    thread = threading.Thread(target=_send_logged, args=(mail, to, subject, body), name="mail", daemon=True)
    thread.start()
    return thread
