"""Webhook deliveries: the payload (ids and the event type only), its HMAC-SHA256 signature
over the timestamp and body, one attempt over HTTP, and what an attempt's result does to
the delivery and its subscription (retry with exponential backoff, auto-pause).

Signature header: `X-IOP-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret,
"<t>.<body>")>`. A receiver recomputes it and refuses a timestamp outside its replay window
(`verify` is what a receiver does, and what our tests' receiver is checked against)."""

import hashlib
import hmac
import http.client
import ipaddress
import json
import socket
import urllib.error
import urllib.request
import uuid
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from iop import clock

from .models import DeliveryStatus, WebhookDelivery, WebhookSubscription

SIGNATURE_HEADER = "X-IOP-Signature"
REPLAY_WINDOW_SECONDS = 300


def payload(
    *, event_id: uuid.UUID, event: str, object_type: str, object_id: int, clinic_id: int
) -> dict[str, Any]:
    return {
        "id": str(event_id),
        "type": event,
        "occurred_at": clock.now().isoformat(),
        "clinic": clinic_id,
        "data": {"object": object_type, "id": object_id},
    }


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(
    secret: str, header: str, body: bytes, *, now: float, window: int = REPLAY_WINDOW_SECONDS
) -> bool:
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    if not parts.get("t", "").isdigit() or "v1" not in parts:
        return False
    timestamp = int(parts["t"])
    if abs(now - timestamp) > window:
        return False
    expected = signature(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts["v1"])


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is answered as the failure it is: following one could lead a delivery
    to an address `refused_address` would refuse."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class _Pinned(urllib.request.HTTPHandler, urllib.request.HTTPSHandler):
    """Connect to the address that was checked, not to whatever the name resolves to a
    moment later (DNS rebinding): TLS still verifies the certificate against the host
    name, and the Host header still carries it."""

    def __init__(self, address: str) -> None:
        urllib.request.HTTPHandler.__init__(self)
        urllib.request.HTTPSHandler.__init__(self)
        self.address = address

    def _connect(self, destination: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        return socket.create_connection((self.address, destination[1]), *args, **kwargs)

    def _pinned(self, connection_class: type[http.client.HTTPConnection]) -> Any:
        def build(*args: Any, **kwargs: Any) -> http.client.HTTPConnection:
            connection = connection_class(*args, **kwargs)
            connection._create_connection = self._connect  # type: ignore[attr-defined]
            return connection

        return build

    def http_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(self._pinned(http.client.HTTPConnection), req)

    def https_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(
            self._pinned(http.client.HTTPSConnection),
            req,
            context=self._context,  # type: ignore[attr-defined]
        )


def resolve(url: str) -> tuple[str | None, str | None]:
    """(why a webhook may not go to `url`, the address to connect to): one of the two is
    None.

    Deliveries go to public https hosts only: an admin's URL must not make the worker reach
    into the network it runs in (the cloud's metadata service at 169.254.169.254, the
    database, an internal admin page). Every address the host resolves to is checked, IPv4
    inside IPv6 included; `WEBHOOK_ALLOW_PRIVATE_ADDRESSES` lifts this for development and
    the tests, whose receivers listen on 127.0.0.1. Checked when subscribing and again
    before every attempt, since a name can come to point elsewhere; the attempt then
    connects to the address checked.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "Use an https:// address.", None
    allow_private = settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES
    if parts.scheme != "https" and not allow_private:
        return "Use an https:// address: deliveries are signed, not secret, over plain http.", None
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError):
        return "This address's host name does not resolve.", None
    addresses = []
    for *_, sockaddr in found:
        address = ipaddress.ip_address(sockaddr[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if not (address.is_global or allow_private):
            return (
                "This address is private, loopback or link-local: webhooks go to public hosts.",
                None,
            )
        addresses.append(str(address))
    if not addresses:
        return "This address's host name does not resolve.", None
    return None, addresses[0]


def refused_address(url: str) -> str | None:
    """Why a webhook may not go to `url` (None when it may); see `resolve`."""
    return resolve(url)[0]


def backoff_seconds(attempts: int) -> int:
    """Wait before attempt `attempts + 1`: base × 2^(attempts − 1)."""
    base: int = settings.WEBHOOK_RETRY_BASE_SECONDS
    return int(base * 2 ** max(attempts - 1, 0))


def attempt(delivery: WebhookDelivery) -> bool:
    """POST the delivery once and record how it went; True when it is finished (delivered,
    or failed for good), False when it should be tried again."""
    subscription: WebhookSubscription = delivery.subscription
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    timestamp = int(clock.timestamp())
    request = urllib.request.Request(  # noqa: S310 - an admin's https/http URL (URLField)
        subscription.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "IOP-Webhooks/1",
            "X-IOP-Event": delivery.event_type,
            "X-IOP-Delivery": str(delivery.event_id),
            SIGNATURE_HEADER: signature(subscription.secret, timestamp, body),
        },
    )
    code: int | None = None
    refused, address = resolve(subscription.url)
    error = refused or ""
    try:
        if address is not None:
            opener = urllib.request.build_opener(_NoRedirects, _Pinned(address))
            with opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as answer:
                code = answer.status
    except urllib.error.HTTPError as exc:
        code = exc.code
        error = f"HTTP {exc.code}"
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
        error = type(exc).__name__
    delivery.attempts += 1
    delivery.last_status_code = code
    delivery.last_attempt_at = clock.now()
    delivery.last_error = error
    ok = code is not None and 200 <= code < 300
    if ok:
        delivery.status = DeliveryStatus.SUCCEEDED
        delivery.delivered_at = delivery.last_attempt_at
        subscription.consecutive_failures = 0
    else:
        subscription.consecutive_failures += 1
        if subscription.consecutive_failures >= settings.WEBHOOK_PAUSE_AFTER:
            subscription.paused_at = subscription.paused_at or delivery.last_attempt_at
        finished = delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS or subscription.paused_at
        delivery.status = DeliveryStatus.FAILED if finished else DeliveryStatus.RETRYING
    delivery.save()
    subscription.save(update_fields=["consecutive_failures", "paused_at"])
    return delivery.status in (DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED)
