"""Posting a message to a group robot or an e-mail address, once. Whether a
failure is worth another attempt is said by the exception: ``Transient`` (the
network, a timeout, a 5xx, a robot's rate limit) or ``Final`` (a 4xx, a robot
that refuses the message: a wrong key or signature)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import quote_plus

from django.conf import settings
from django.core.mail import send_mail

# What an answer is trimmed to before it is recorded.
ANSWER_CHARS = 500
# Robots' error codes that mean "too many messages, try later" (企业微信 45009,
# 钉钉 130101): worth another attempt.
RATE_LIMITED = {45009, 130101}


@dataclass
class Answer:
    http_status: int | None
    text: str


class SendError(Exception):
    def __init__(self, message: str, http_status: int | None = None):
        super().__init__(message)
        self.http_status = http_status


class Transient(SendError):
    """Another attempt may succeed."""


class Final(SendError):
    """Another attempt would fail the same way."""


def trim(text: str) -> str:
    return text if len(text) <= ANSWER_CHARS else text[: ANSWER_CHARS - 1] + "…"


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """钉钉 加签: HMAC-SHA256 of "timestamp\\nsecret" keyed by the secret, in base64,
    URL-encoded."""
    text = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), text, hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


def dingtalk_url(url: str, secret: str, timestamp_ms: int | None = None) -> str:
    if not secret:
        return url
    if timestamp_ms is None:
        timestamp_ms = int(time.time() * 1000)
    sign = dingtalk_sign(secret, timestamp_ms)
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}timestamp={timestamp_ms}&sign={sign}"


def wecom_payload(title: str, text: str) -> dict:
    return {"msgtype": "markdown", "markdown": {"content": f"**{title}**\n{text}"}}


def dingtalk_payload(title: str, text: str) -> dict:
    return {
        "msgtype": "markdown",
        "markdown": {"title": title, "text": f"#### {title}\n{text}"},
    }


def post_json(url: str, payload: dict) -> Answer:
    """POST ``payload`` and check the robot's ``{"errcode": 0}``."""
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    timeout = settings.DUIKOU_REMINDER_WEBHOOK_TIMEOUT
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status, body = response.status, response.read(4096)
    except urllib.error.HTTPError as exc:
        text = trim(exc.read(4096).decode(errors="replace"))
        message = f"HTTP {exc.code} {text}".strip()
        if exc.code >= 500 or exc.code == 429:
            raise Transient(message, exc.code) from None
        raise Final(message, exc.code) from None
    except OSError as exc:  # refused, unreachable, timed out (URLError too)
        reason = getattr(exc, "reason", exc)
        raise Transient(trim(f"{type(exc).__name__}: {reason}")) from None
    text = trim(body.decode(errors="replace"))
    try:
        code = json.loads(body).get("errcode")
    except (ValueError, AttributeError):
        raise Final(f"not a robot's answer: {text}", status) from None
    if code == 0:
        return Answer(status, text)
    if code in RATE_LIMITED:
        raise Transient(text, status)
    raise Final(text, status)


def send_email(address: str, subject: str, body: str) -> Answer:
    try:
        send_mail(subject, body, None, [address], fail_silently=False)
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
        raise Final(trim(f"{type(exc).__name__}: {exc}")) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise Transient(trim(f"{type(exc).__name__}: {exc}")) from None
    return Answer(None, "")
