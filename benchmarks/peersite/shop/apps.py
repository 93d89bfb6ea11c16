from django.apps import AppConfig


class PeerShopConfig(AppConfig):
    name = "benchmarks.peersite.shop"
    label = "peershop"
    default_auto_field = "django.db.models.BigAutoField"
