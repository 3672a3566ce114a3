class DomainError(Exception):
    """A refused operation, with a message for the person who asked."""


class TransitionRefusedError(DomainError):
    """A status move the workflow does not allow; says which moves are allowed."""

    def __init__(self, *, current: str, requested: str, allowed: tuple[str, ...]) -> None:
        self.current, self.requested, self.allowed = current, requested, allowed
        choices = ", ".join(allowed) if allowed else "none (this status is final)"
        super().__init__(f"Cannot move from {current} to {requested}. Allowed: {choices}.")
