"""How a message reaches a patient: email through Django's mail backend (the console in
development, SMTP in production, settings' EMAIL_*), a text message through the SMS gateway
named by `SMS_GATEWAY` (a dotted path to a class with `send(*, to, text)`).

No gateway is bundled: a clinic names its provider's adapter. Development prints texts to the
console (`ConsoleSms`); without a gateway, patients cannot be signed up for texts.
"""

import sys
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import send_mail
from django.utils.module_loading import import_string


class SmsGateway(Protocol):
    def send(self, *, to: str, text: str) -> None: ...


class ConsoleSms:
    """Development: the text on the console, the number's last digits only."""

    def send(self, *, to: str, text: str) -> None:
        sys.stdout.write(f"[sms to …{to[-2:]}] {text}\n")


def sms_available() -> bool:
    return bool(settings.SMS_GATEWAY)


def sms_gateway() -> SmsGateway:
    if not settings.SMS_GATEWAY:
        raise ImproperlyConfigured("SMS_GATEWAY is not set: text messages cannot be sent.")
    gateway: SmsGateway = import_string(settings.SMS_GATEWAY)()
    return gateway


def send_email(*, to: str, subject: str, text: str) -> None:
    send_mail(subject, text, None, [to])


def send_sms(*, to: str, text: str) -> None:
    sms_gateway().send(to=to, text=text)
