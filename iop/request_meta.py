"""Who is asking: the request's id and address, for audit events and log lines.

Set by RequestIdMiddleware for the length of a request (None in jobs and commands). Standard
library only: the logging configuration loads `RequestIdLogFilter` before Django's apps are.
"""

import contextvars
import logging
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestMeta:
    request_id: str
    ip: str | None


current_request: contextvars.ContextVar[RequestMeta | None] = contextvars.ContextVar(
    "current_request", default=None
)


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        meta = current_request.get()
        record.request_id = meta.request_id if meta else "-"
        return True
