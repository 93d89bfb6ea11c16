"""Include in the shop's urls: ``path("tamara/", include("django_tamara.urls"))``."""

from django.urls import path

from . import views
from .webhooks.intake import WebhookView

app_name = "tamara"

urlpatterns = [
    path("webhooks/", WebhookView.as_view(), name="webhook"),
    path("success/", views.success, name="success"),
    path("failure/", views.failure, name="failure"),
    path("cancel/", views.cancel, name="cancel"),
]
