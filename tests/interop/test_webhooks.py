"""Webhooks, end to end: a feature's service emits, the real Celery worker fans the event out
and POSTs it to a real HTTP server on 127.0.0.1, which checks the HMAC-SHA256 signature with
the standard library (not our code) and the replay window; failures retry with exponential
backoff, repeated failures pause the subscription, redelivery sends the same event again."""

import hashlib
import hmac
import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import Client

from interop import services, webhooks
from interop.models import WebhookDelivery, WebhookSubscription
from iop import clock, events
from iop.roles import Role
from iop.tenancy import clinic_context
from progress import services as progress
from tests import factories
from tests.conftest import wait_until


@dataclass
class Receiver:
    """A real local HTTP server. `answers` are the status codes of successive requests
    (the last one repeats)."""

    secret: str = ""
    answers: list[int] = field(default_factory=lambda: [200])
    received: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""
    location: str = ""  # sent with each answer when set (a redirect)

    def answer(self) -> int:
        index = min(len(self.received) - 1, len(self.answers) - 1)
        return self.answers[index]


def _verified(secret: str, header: str, body: bytes) -> bool:
    """What a receiver does, written here with hmac alone."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    timestamp = int(parts["t"])
    if abs(time.time() - timestamp) > 300:
        return False
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(mac, parts["v1"])


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append(
                {
                    "at": time.monotonic(),
                    "body": json.loads(body),
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "verified": _verified(state.secret, self.headers["X-IOP-Signature"], body),
                }
            )
            self.send_response(state.answer())
            if state.location:
                self.send_header("Location", state.location)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@dataclass
class Setup:
    clinic: Any
    admin: Any
    patient: Any
    subscription: WebhookSubscription


def _setup(receiver: Receiver, events_wanted: list[str]) -> Setup:
    clinic = factories.ClinicFactory()
    admin = factories.member(clinic, Role.ADMIN)
    patient = factories.patient(clinic, actor=admin.user, legal_last_name="Quillfeather")
    subscription = services.webhook_subscribe(
        clinic=clinic, actor=admin.user, url=receiver.url, events=events_wanted
    )
    receiver.secret = subscription.secret
    return Setup(clinic, admin, patient, subscription)


def _score(setup: Setup) -> Any:
    return progress.measure_submit(
        clinic=setup.clinic, actor=setup.admin.user, patient=setup.patient, instrument="gad7",
        answers=[1, 1, 1, 1, 1, 1, 1], administered_on=clock.today(setup.clinic),
    )  # fmt: skip


def _delivery(setup: Setup) -> WebhookDelivery | None:
    with clinic_context(setup.clinic.pk):
        return WebhookDelivery.objects.filter(subscription=setup.subscription).first()


def test_a_scored_measure_reaches_the_receiver_signed_with_ids_only(
    celery_worker: object, receiver: Receiver
) -> None:
    setup = _setup(receiver, [events.MEASURE_SCORED])
    measure = _score(setup)
    assert wait_until(lambda: len(receiver.received) == 1)
    got = receiver.received[0]
    assert got["verified"]
    assert got["headers"]["x-iop-event"] == "measure.scored"
    body = got["body"]
    assert set(body) == {"id", "type", "occurred_at", "clinic", "data"}
    assert body["data"] == {"object": "measure", "id": measure.pk}
    assert "Quillfeather" not in json.dumps(got)
    assert wait_until(lambda: (d := _delivery(setup)) is not None and d.status == "succeeded")
    delivery = _delivery(setup)
    assert delivery is not None
    assert delivery.last_status_code == 200
    assert delivery.attempts == 1
    assert str(delivery.event_id) == body["id"] == got["headers"]["x-iop-delivery"]
    # An event nobody subscribed to sends nothing.
    with clinic_context(setup.clinic.pk):
        events.emit(clinic_id=setup.clinic.pk, event=events.ATTENDANCE_MARKED,
                    object_type="attendance", ids=[1])  # fmt: skip
    time.sleep(1)
    assert len(receiver.received) == 1


def test_a_signature_outside_the_replay_window_or_with_another_secret_fails() -> None:
    body = b'{"id":"x"}'
    now = time.time()
    header = webhooks.signature("s3cret", int(now), body)
    assert webhooks.verify("s3cret", header, body, now=now)
    assert not webhooks.verify("other", header, body, now=now)
    assert not webhooks.verify("s3cret", header, body + b" ", now=now)
    assert not webhooks.verify("s3cret", header, body, now=now + 301)


def test_failed_attempts_retry_with_exponential_backoff(
    celery_worker: object, receiver: Receiver, settings: Any
) -> None:
    settings.WEBHOOK_RETRY_BASE_SECONDS = 1
    receiver.answers = [500, 503, 200]
    setup = _setup(receiver, [events.MEASURE_SCORED])
    _score(setup)
    assert wait_until(lambda: len(receiver.received) == 3, timeout=30)
    first, second, third = (r["at"] for r in receiver.received)
    assert second - first >= 0.9  # 1 s
    assert third - second >= 1.9  # 2 s
    assert all(r["verified"] for r in receiver.received)
    assert len({r["body"]["id"] for r in receiver.received}) == 1  # the same event each time
    assert wait_until(lambda: (d := _delivery(setup)) is not None and d.status == "succeeded")
    delivery = _delivery(setup)
    assert delivery is not None
    assert (delivery.attempts, delivery.last_status_code) == (3, 200)


def test_repeated_failures_pause_and_an_admin_redelivers_after_resuming(
    celery_worker: object, receiver: Receiver, settings: Any
) -> None:
    settings.WEBHOOK_RETRY_BASE_SECONDS = 1
    settings.WEBHOOK_PAUSE_AFTER = 2
    receiver.answers = [500]
    setup = _setup(receiver, [events.MEASURE_SCORED])
    _score(setup)
    assert wait_until(lambda: (d := _delivery(setup)) is not None and d.status == "failed", 30)
    time.sleep(2)
    assert len(receiver.received) == 2  # paused: no third attempt
    with clinic_context(setup.clinic.pk):
        subscription = WebhookSubscription.objects.get(pk=setup.subscription.pk)
    assert subscription.paused_at is not None
    delivery = _delivery(setup)
    assert delivery is not None
    assert delivery.last_status_code == 500

    _token, secret = factories.api_token(setup.admin)
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    log = api.get("/api/v1/webhook-deliveries/", {"subscription": subscription.pk}).json()
    assert [(d["status"], d["attempts"], d["last_status_code"]) for d in log["results"]] == [
        ("failed", 2, 500)
    ]
    refused = api.post(f"/api/v1/webhook-deliveries/{delivery.pk}/redeliver")
    assert refused.status_code == 409
    receiver.answers = [500, 500, 200]
    assert api.post(f"/api/v1/webhooks/{subscription.pk}/resume").json()["paused"] is False
    assert api.post(f"/api/v1/webhook-deliveries/{delivery.pk}/redeliver").status_code == 202
    assert wait_until(lambda: (d := _delivery(setup)) is not None and d.status == "succeeded")
    assert len(receiver.received) == 3
    assert receiver.received[2]["body"]["id"] == receiver.received[0]["body"]["id"]
    assert receiver.received[2]["verified"]


def test_subscribing_needs_known_events_and_an_admin(clinic_a: Any) -> None:
    _token, secret = factories.api_token(clinic_a.admin)
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    bad = api.post("/api/v1/webhooks/", {"url": "http://127.0.0.1:9/h", "events": ["nope"]},
                   content_type="application/json")  # fmt: skip
    assert bad.status_code == 400
    assert "events" in bad.json()["error"]["fields"]
    made = api.post("/api/v1/webhooks/", {"url": "http://127.0.0.1:9/h",
                                          "events": [events.ENROLLMENT_CHANGED]},
                    content_type="application/json")  # fmt: skip
    assert made.status_code == 201
    assert len(made.json()["secret"]) == 64
    assert "secret" not in api.get(f"/api/v1/webhooks/{made.json()['id']}/").json()
    _t, therapist = factories.api_token(clinic_a.members[Role.THERAPIST])
    other = Client(headers={"Authorization": f"Bearer {therapist}"})
    assert other.get("/api/v1/webhooks/").status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.org/iop",  # plain http
        "https://127.0.0.1/hooks",  # loopback
        "https://10.1.2.3/hooks",  # private network
        "https://169.254.169.254/latest/meta-data/",  # a cloud's metadata service
        "https://[::1]:8443/hooks",
        "https://[::ffff:127.0.0.1]/hooks",  # IPv4 loopback inside IPv6
        "ftp://hooks.example.org/iop",
    ],
)
def test_a_webhook_goes_only_to_a_public_https_host(clinic_a: Any, settings: Any, url: str) -> None:
    """Literal addresses: refused before any lookup or connection is made."""
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    _token, secret = factories.api_token(clinic_a.admin)
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    answer = api.post("/api/v1/webhooks/", {"url": url, "events": [events.ENROLLMENT_CHANGED]},
                      content_type="application/json")  # fmt: skip
    assert answer.status_code == 400, answer.content
    assert "url" in answer.json()["error"]["fields"]
    with clinic_context(clinic_a.clinic.pk):
        assert not WebhookSubscription.objects.filter(url=url).exists()


def test_an_attempt_to_an_address_that_became_private_sends_nothing(
    db: None, receiver: Receiver, settings: Any
) -> None:
    """A subscription made while allowed (or a name that now points inside) is checked
    again before each attempt; a redirect is not followed either."""
    setup = _setup(receiver, [events.MEASURE_SCORED])
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    with clinic_context(setup.clinic.pk):
        delivery = WebhookDelivery.objects.create(
            clinic=setup.clinic, subscription=setup.subscription, event_type=events.MEASURE_SCORED,
            event_id=uuid.uuid4(), payload={"id": "x"},
        )  # fmt: skip
        webhooks.attempt(delivery)
        delivery.refresh_from_db()
    assert receiver.received == []
    assert delivery.last_status_code is None
    assert "https" in delivery.last_error


def test_a_redirect_is_a_failed_attempt_not_followed(db: None, receiver: Receiver) -> None:
    receiver.answers = [302]
    receiver.location = receiver.url + "/elsewhere"
    setup = _setup(receiver, [events.MEASURE_SCORED])
    with clinic_context(setup.clinic.pk):
        delivery = WebhookDelivery.objects.create(
            clinic=setup.clinic, subscription=setup.subscription, event_type=events.MEASURE_SCORED,
            event_id=uuid.uuid4(), payload={"id": "x"},
        )  # fmt: skip
        assert webhooks.attempt(delivery) is False
        delivery.refresh_from_db()
    assert len(receiver.received) == 1
    assert delivery.last_status_code == 302
    assert delivery.status == "retrying"


def test_an_attempt_connects_to_the_address_it_checked_not_a_fresh_lookup(
    db: None, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: a name that passes the check and then resolves elsewhere. The
    attempt resolves once, checks, and connects to that address; a second lookup, which
    here would point at nothing, never happens."""
    port = receiver.url.split(":")[2].split("/")[0]
    setup = _setup(receiver, [events.MEASURE_SCORED])
    lookups: list[str] = []
    real_getaddrinfo = socket.getaddrinfo

    def rebinding(host: str, *args: Any, **kwargs: Any) -> Any:
        if host != "hooks.receiver.test":
            return real_getaddrinfo(host, *args, **kwargs)
        lookups.append(host)
        if len(lookups) > 1:
            raise socket.gaierror("rebound")
        return real_getaddrinfo("127.0.0.1", *args, **kwargs)

    connected_to: list[tuple[str, int]] = []
    real_connect = socket.create_connection

    def connect(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        connected_to.append(address)
        return real_connect(address, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    monkeypatch.setattr(socket, "create_connection", connect)
    with clinic_context(setup.clinic.pk):
        WebhookSubscription.objects.filter(pk=setup.subscription.pk).update(
            url=f"http://hooks.receiver.test:{port}/hooks"
        )
        delivery = WebhookDelivery.objects.create(
            clinic=setup.clinic, subscription=setup.subscription, event_type=events.MEASURE_SCORED,
            event_id=uuid.uuid4(), payload={"id": "x"},
        )  # fmt: skip
        assert webhooks.attempt(WebhookDelivery.objects.select_related("subscription").get(
            pk=delivery.pk
        )) is True  # fmt: skip
    assert lookups == ["hooks.receiver.test"]
    assert connected_to == [("127.0.0.1", int(port))]  # the checked address, not the name
    assert len(receiver.received) == 1
    assert receiver.received[0]["headers"]["host"] == f"hooks.receiver.test:{port}"
    assert receiver.received[0]["verified"]
