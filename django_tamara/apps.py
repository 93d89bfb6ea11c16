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
        from .log_filters import install

        # Tamara's notification URL carries the tamaraToken JWT in its query string, and
        # runserver logs every request line through "django.server": mask it there without the
        # shop's LOGGING (a fresh startproject has none; #15). Django configures logging before
        # ready(), and dictConfig keeps a logger's filters, so a shop's own LOGGING is unaffected
        # (install() adds nothing when the shop already put the filter on that logger).
        install("django.server")
