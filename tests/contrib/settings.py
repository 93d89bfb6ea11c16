"""Settings of the adapters' tests (tests/contrib/): the sandbox's, plus django-payments with a
test ``Payment`` model, and a minimal django-oscar shop with Oscar's apps installed and migrated.

The app's own suite runs on ``sandbox_project.settings``, without either framework, so that
a shop without them is what it tests; ``python -m tests.run`` (``bash scripts/test.sh``) runs
this part second, with ``--ds=tests.contrib.settings``.
"""

from oscar.defaults import *  # noqa: F403  Oscar's OSCAR_* defaults, as its docs say

from sandbox_project.settings import *  # noqa: F403
from sandbox_project.settings import INSTALLED_APPS, MIDDLEWARE, TEMPLATES

ROOT_URLCONF = "tests.contrib.urls"

# django-payments ----------------------------------------------------------------------------
INSTALLED_APPS = [
    *INSTALLED_APPS,
    "payments",
    "django_tamara.contrib.payments",
    "tests.contrib.payments_shop",
]
PAYMENT_MODEL = "payments_shop.Payment"
PAYMENT_HOST = "127.0.0.1:8000"  # replaced by the live server's in the browser tests
PAYMENT_USES_SSL = False
PAYMENT_VARIANTS = {
    "tamara": ("django_tamara.contrib.payments.TamaraProvider", {}),
}

# django-oscar (https://django-oscar.readthedocs.io/en/stable/internals/getting_started.html) ---
INSTALLED_APPS += [
    # First, so that its template overrides (the payment-details page) come before Oscar's.
    "tests.contrib.oscar_shop",
    "django.contrib.sites",
    "django.contrib.flatpages",
    "oscar.config.Shop",
    "oscar.apps.analytics.apps.AnalyticsConfig",
    "oscar.apps.checkout.apps.CheckoutConfig",
    "oscar.apps.address.apps.AddressConfig",
    "oscar.apps.shipping.apps.ShippingConfig",
    "oscar.apps.catalogue.apps.CatalogueConfig",
    "oscar.apps.catalogue.reviews.apps.CatalogueReviewsConfig",
    "oscar.apps.communication.apps.CommunicationConfig",
    "oscar.apps.partner.apps.PartnerConfig",
    "oscar.apps.basket.apps.BasketConfig",
    "oscar.apps.payment.apps.PaymentConfig",
    "oscar.apps.offer.apps.OfferConfig",
    "oscar.apps.order.apps.OrderConfig",
    "oscar.apps.customer.apps.CustomerConfig",
    "oscar.apps.search.apps.SearchConfig",
    "oscar.apps.voucher.apps.VoucherConfig",
    "oscar.apps.wishlists.apps.WishlistsConfig",
    "oscar.apps.dashboard.apps.DashboardConfig",
    "oscar.apps.dashboard.reports.apps.ReportsDashboardConfig",
    "oscar.apps.dashboard.users.apps.UsersDashboardConfig",
    "oscar.apps.dashboard.orders.apps.OrdersDashboardConfig",
    "oscar.apps.dashboard.catalogue.apps.CatalogueDashboardConfig",
    "oscar.apps.dashboard.offers.apps.OffersDashboardConfig",
    "oscar.apps.dashboard.partners.apps.PartnersDashboardConfig",
    "oscar.apps.dashboard.pages.apps.PagesDashboardConfig",
    "oscar.apps.dashboard.ranges.apps.RangesDashboardConfig",
    "oscar.apps.dashboard.reviews.apps.ReviewsDashboardConfig",
    "oscar.apps.dashboard.vouchers.apps.VouchersDashboardConfig",
    "oscar.apps.dashboard.communications.apps.CommunicationsDashboardConfig",
    "oscar.apps.dashboard.shipping.apps.ShippingDashboardConfig",
    "widget_tweaks",
    "haystack",
    "treebeard",
    "django_tables2",
    "django_tamara.contrib.oscar",
]
SITE_ID = 1
MIDDLEWARE = [
    *MIDDLEWARE,
    "oscar.apps.basket.middleware.BasketMiddleware",
    "django.contrib.flatpages.middleware.FlatpageFallbackMiddleware",
]
TEMPLATES[0]["OPTIONS"]["context_processors"] += [
    "oscar.apps.search.context_processors.search_form",
    "oscar.apps.checkout.context_processors.checkout",
    "oscar.apps.communication.notifications.context_processors.notifications",
    "oscar.core.context_processors.metadata",
]
AUTHENTICATION_BACKENDS = [
    "oscar.apps.customer.auth_backends.EmailBackend",
    "django.contrib.auth.backends.ModelBackend",
]
HAYSTACK_CONNECTIONS = {"default": {"ENGINE": "haystack.backends.simple_backend.SimpleEngine"}}
OSCAR_DEFAULT_CURRENCY = "SAR"
# Dashboard payment events capture, refund and cancel at Tamara: the adapter's class loader
# gives Oscar's EventHandler Tamara's events; the test shop's loader adds its shipping method
# and asks the adapter's for everything else (docs/oscar.md, "The dashboard").
OSCAR_DYNAMIC_CLASS_LOADER = "tests.contrib.oscar_shop.loading.class_loader"
# Tamara needs the customer's phone number; Oscar's address form asks for it when required.
OSCAR_REQUIRED_ADDRESS_FIELDS = ("first_name", "last_name", "line1", "line4", "postcode", "country", "phone_number")
# Guests check out with an e-mail address (the browser test's customer is one).
OSCAR_ALLOW_ANON_CHECKOUT = True
