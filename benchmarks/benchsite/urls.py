from django.urls import path

from sandbox_project.urls import urlpatterns as sandbox_urlpatterns

from . import views

urlpatterns = [
    path("bench/bare-webhook/", views.bare_webhook),
    *sandbox_urlpatterns,
]
