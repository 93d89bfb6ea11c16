"""Tamara's steps in Oscar's checkout: ``path("checkout/tamara/", include("django_tamara.contrib.oscar.urls"))``.

Tamara's merchant URLs point here (``success`` to ``return``, ``failure`` and ``cancel``), the
notification URL to the app's own webhook (``tamara:webhook``).
"""

from django.urls import path

from . import views

app_name = "tamara_oscar"

urlpatterns = [
    path("pay/", views.TamaraRedirectView.as_view(), name="redirect"),
    path("return/", views.TamaraReturnView.as_view(), name="return"),
    path("failure/", views.TamaraGiveBackView.as_view(), name="failure"),
    path("cancel/", views.TamaraGiveBackView.as_view(), name="cancel"),
]
