"""The product's URLs plus one trivial view, reachable signed out and under a clinic, so the
per-request cost of being signed in to a clinic is measured apart from any page's own work."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def trivial(request: HttpRequest, clinic_slug: str = "") -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench-trivial/", trivial),
    path("c/<slug:clinic_slug>/bench-trivial/", trivial),
    path("", include("iop.urls")),
]
