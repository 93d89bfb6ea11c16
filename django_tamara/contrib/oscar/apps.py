"""The app config of the django-oscar adapter (``django_tamara.contrib.oscar`` in INSTALLED_APPS)."""

from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class TamaraOscarConfig(AppConfig):
    name = "django_tamara.contrib.oscar"
    label = "tamara_oscar"
    verbose_name = _("Tamara for django-oscar")

    def ready(self) -> None:
        # Imported here: both read Oscar's models, which exist only once the apps are loaded.
        from . import event_types, receivers

        receivers.connect()
        # After Oscar's order app is migrated (Django sends post_migrate per app with models;
        # this one has none), and again after every flush.
        post_migrate.connect(
            event_types.ensure, sender=apps.get_app_config("order"), dispatch_uid="tamara_oscar.event_types"
        )
