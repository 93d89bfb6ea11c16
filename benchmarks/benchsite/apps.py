from django.apps import AppConfig


class BenchsiteConfig(AppConfig):
    name = "benchmarks.benchsite"
    label = "benchsite"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """The benchmark shop keeps no order table of its own: its record of an order is the
        app's ``TamaraOrder`` (``views.py``), as the hand-written shop's is its ``Order`` row. So
        the sandbox shop's signal receivers, which move the sandbox's ``ShopOrder`` and find none
        for a benchmark order (a transaction and a locked read, for nothing, on every signal),
        are not connected here; the app still sends its signals."""
        from django_tamara import signals

        for name in ("authorised", "declined", "expired", "canceled", "updated", "captured", "refunded"):
            getattr(signals, f"order_{name}").disconnect(dispatch_uid=f"shop.{name}")
