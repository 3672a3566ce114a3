from typing import TYPE_CHECKING

from rest_framework.permissions import BasePermission

if TYPE_CHECKING:  # rest_framework.views imports this module through its settings
    from rest_framework.request import Request
    from rest_framework.views import APIView


class IsClinicMember(BasePermission):
    """The request's membership must hold the capability the view names for this method
    (`capabilities = {"GET": …, "POST": …}` on the view; Sentry's scope-per-method)."""

    message = "Your role does not allow this."

    def has_permission(self, request: "Request", view: "APIView") -> bool:
        membership = getattr(request, "membership", None)
        if membership is None or not request.user.is_authenticated:
            return False
        capabilities: dict[str, str] = getattr(view, "capabilities", {})
        method = "GET" if request.method in ("HEAD", "OPTIONS") else request.method
        needed = capabilities.get(method or "")
        return needed is not None and membership.can(needed)
