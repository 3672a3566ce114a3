"""Reports API routes, included under /api/v1/ by iop/api/urls.py."""

from django.urls import URLPattern, URLResolver, path

from . import api

urlpatterns: list[URLPattern | URLResolver] = [
    path(f"reports/{slug}", view.as_view()) for slug, view in api.VIEWS.items()
]
