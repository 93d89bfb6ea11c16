"""The test shop's pages for django-payments (included at /pay/ by tests/contrib/urls.py)."""

from django.urls import path

from . import views

app_name = "payments_shop"

urlpatterns = [
    path("", views.pay, name="pay"),
    path("<int:pk>/success/", views.result, {"outcome": "success"}, name="success"),
    path("<int:pk>/failure/", views.result, {"outcome": "failure"}, name="failure"),
]
