from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "sandbox_project.shop"
    label = "shop"
    verbose_name = "Sandbox shop"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Connects the receivers of django-tamara's signals (importing is the connection).
        from . import receivers  # noqa: F401  importing connects the signal receivers
