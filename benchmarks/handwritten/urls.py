"""The hand-written shop's routes, included under ``hand/`` by the benchmark site."""

from django.urls import path

from . import views

app_name = "handwritten"

urlpatterns = [
    path("pay/", views.pay, name="pay"),
    path("success/", views.success, name="success"),
    path("failure/", views.failure, name="failure"),
    path("orders/<str:reference>/", views.order_page, name="order"),
    path("capture/<str:reference>/", views.capture, name="capture"),
    path("webhook/", views.webhook, name="webhook"),
]
