"""The app of the django-payments provider: its signal receivers and its system check."""

from django.apps import AppConfig


class TamaraPaymentsConfig(AppConfig):
    name = "django_tamara.contrib.payments"
    label = "tamara_payments"
    verbose_name = "Tamara for django-payments"

    def ready(self) -> None:
        from . import checks  # noqa: F401  importing registers the system check
        from .receivers import connect

        connect()
