"""Outgoing email over SMTP with the standard library (smtplib, email.message): plain text, a timeout.

Mail is configured when MAIL_SERVER and MAIL_DEFAULT_SENDER are set. `in_background` runs a task
(a lookup and a send) on a small thread pool with an app context of its own, so a request never
waits on, or reveals by its timing, an SMTP conversation; a failure there is logged, never raised.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from functools import cache
from typing import Any

from flask import Flask, current_app

log = logging.getLogger("mymovielist.mail")
BACKGROUND_WORKERS = 2


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


def send(to: str, subject: str, body: str) -> None:
    """Send one plain-text message now; raises OSError or smtplib.SMTPException on failure."""
    mail = settings()
    if mail is None:
        raise RuntimeError("mail is not configured (MAIL_SERVER, MAIL_DEFAULT_SENDER)")
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
    log.info("Sent %r through %s:%s", subject, mail.server, mail.port)


@cache
def _executor() -> ThreadPoolExecutor:
    # A few threads per process: a flood of requests queues up instead of opening a connection each.
    return ThreadPoolExecutor(max_workers=BACKGROUND_WORKERS, thread_name_prefix="mail")


def _run(app: Flask, task: Callable[..., None], args: tuple) -> None:
    with app.app_context():
        try:
            task(*args)
        except Exception:  # nothing waits for a background task: its failure must reach the log
            log.exception("Background mail task %s failed", getattr(task, "__name__", task))


def in_background(task: Callable[..., None], *args: Any) -> Future:
    """Run `task(*args)` on a mail thread in an app context of its own; the request does not wait."""
    return _executor().submit(_run, current_app._get_current_object(), task, args)
