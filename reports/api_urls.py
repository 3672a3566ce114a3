"""Reports API routes, included under /api/v1/ by iop/api/urls.py."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
