"""Billing pages, included under /c/<clinic_slug>/ by iop/urls.py."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
