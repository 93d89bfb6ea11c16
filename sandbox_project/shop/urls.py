"""The shop at the site's root; django-tamara's own views stay under /tamara/."""

from django.urls import path

from . import views

app_name = "shop"

urlpatterns = [
    path("", views.product_list, name="products"),
    path("products/<slug:slug>/", views.product_detail, name="product"),
    path("basket/", views.basket, name="basket"),
    path("basket/add/", views.basket_add, name="basket-add"),
    path("basket/update/", views.basket_update, name="basket-update"),
    path("checkout/", views.checkout, name="checkout"),
    path("checkout/failed/", views.payment_failed, {"outcome": "failed"}, name="payment-failed"),
    path("checkout/canceled/", views.payment_failed, {"outcome": "canceled"}, name="payment-canceled"),
    path("orders/<str:reference>/", views.order_detail, name="order"),
    path("orders/<str:reference>/status.json", views.order_status, name="order-status"),
    path("orders/<str:reference>/retry/", views.order_retry, name="order-retry"),
]
