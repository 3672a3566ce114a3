"""Interop API routes, included under /api/v1/ by iop/api/urls.py."""

from django.urls import URLPattern, URLResolver, path

from . import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("webhooks/", api.WebhookListView.as_view()),
    path("webhooks/<int:id>/", api.WebhookDetailView.as_view()),
    path("webhooks/<int:id>/resume", api.WebhookResumeView.as_view()),
    path("webhook-deliveries/", api.DeliveryListView.as_view()),
    path("webhook-deliveries/<int:id>/", api.DeliveryDetailView.as_view()),
    path("webhook-deliveries/<int:id>/redeliver", api.DeliveryRedeliverView.as_view()),
    path("patient-imports/preview", api.ImportPreviewView.as_view()),
    path("patient-imports/", api.ImportView.as_view()),
    path("patient-imports/template", api.ImportTemplateView.as_view()),
]
