import logging

from celery import shared_task
from django.core import management
from django.core.mail import EmailMessage

logger = logging.getLogger(__name__)


# Backoff capped at 300 s like every task's: the broker's visibility timeout counts on it.
@shared_task(autoretry_for=(OSError,), retry_backoff=True, retry_backoff_max=300, max_retries=5)
def send_email(*, to: list[str], subject: str, body: str) -> None:
    """Send one email through Django's mail backend. Retries when the mail server is down."""
    EmailMessage(subject=subject, body=body, to=to).send()
    logger.info("Sent email %r to %d recipient(s)", subject, len(to))


@shared_task
def clear_expired_sessions() -> None:
    """Beat job: expired sign-in sessions are deleted rather than kept forever."""
    management.call_command("clearsessions")
