"""The benchmark site's routes: the bare webhook, the end-to-end benchmark's two shops served
here (the app side under ``bench/app/``, the hand-written baseline under ``hand/``), and the
sandbox's own pages (the app's ``tamara/`` landing views and webhook among them)."""

from django.urls import include, path

from sandbox_project.urls import urlpatterns as sandbox_urlpatterns

from . import views

urlpatterns = [
    path("bench/bare-webhook/", views.bare_webhook),
    path("bench/app/pay/", views.app_pay, name="bench-app-pay"),
    path("bench/app/orders/<str:reference>/", views.app_order, name="bench-app-order"),
    path("bench/app/capture/<str:reference>/", views.app_capture, name="bench-app-capture"),
    path("hand/", include("benchmarks.handwritten.urls")),
    *sandbox_urlpatterns,
]
