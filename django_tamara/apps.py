from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TamaraConfig(AppConfig):
    name = "django_tamara"
    label = "django_tamara"
    verbose_name = _("Tamara payments")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the system checks; importing is the registration.
        from . import checks  # noqa: F401  importing registers the system checks
