from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    """Staff accounts only: people join a clinic by invitation, never by signing up."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False
