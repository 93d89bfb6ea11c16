"""The uniform surface the end-to-end driver expects of every side, under ``peer/``."""

from django.urls import path

from . import views

app_name = "peershop"

urlpatterns = [
    path("pay/", views.pay, name="pay"),
    path("orders/<str:reference>/", views.order_page, name="order"),
    path("capture/<str:reference>/", views.capture, name="capture"),
]
