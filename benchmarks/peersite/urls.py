"""The peer site's routes: the shop's uniform surface under ``peer/``, and the peer package's
own views under ``peer/tamara/`` in its namespace ``tamara``.

The peer's PayView sends the customer back to ``tamara:callback``, its CallbackView, which
checks the order but never authorises it; a shop must do that itself. So that one name is
routed to the shop's landing view, which calls the peer's CallbackView and then authorises
(benchmarks/peersite/shop/views.py); every other peer view is the peer's, untouched.
"""

from django.urls import include, path
from tamara import urls as peer_urls

from .shop import views

peer_patterns = [
    *(pattern for pattern in peer_urls.urlpatterns if getattr(pattern, "name", None) != "callback"),
    path("callback", views.landing, name="callback"),
]

urlpatterns = [
    path("peer/", include("benchmarks.peersite.shop.urls")),
    path("peer/tamara/", include((peer_patterns, "tamara"))),
]
