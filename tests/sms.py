"""The one test double for text messages: at the boundary, where a clinic's SMS provider
would be called (settings.SMS_GATEWAY). Everything up to it is the real code."""

SENT: list[tuple[str, str]] = []


class RecordingSms:
    def send(self, *, to: str, text: str) -> None:
        SENT.append((to, text))
