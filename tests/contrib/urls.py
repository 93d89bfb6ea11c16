"""The adapters' test shop: the app's routes, django-payments' and a django-oscar shop."""

from django.apps import apps
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("tamara/", include("django_tamara.urls")),
    # django-payments: its process URL (Payment.get_process_url) and the test shop's pages.
    path("payments/", include("payments.urls")),
    path("pay/", include("tests.contrib.payments_shop.urls")),
    # django-oscar, with Tamara's checkout steps.
    path("checkout/tamara/", include("django_tamara.contrib.oscar.urls")),
    path("", include(apps.get_app_config("oscar").urls[0])),
]
