"""The sandbox's settings plus the baseline views the benchmarks compare against.

Same middleware, same database settings: the only difference between the two sides of a
benchmark is the view that answers. The end-to-end benchmark (issue #17) serves two shops
from here: the app as a shop uses it (``/bench/app/``) and the hand-written baseline
(``/hand/``, the ``handwritten`` app), so they share the process, the middleware and the
database, and differ only in the code that talks to Tamara.
"""

from sandbox_project.settings import *  # noqa: F403  the benchmark site is the sandbox's settings plus a few
from sandbox_project.settings import INSTALLED_APPS, TAMARA

INSTALLED_APPS = [*INSTALLED_APPS, "benchmarks.benchsite", "benchmarks.handwritten"]
ROOT_URLCONF = "benchmarks.benchsite.urls"

# Back from the hosted checkout, the app's landing view (tamara:success) syncs and
# authorises, then sends the customer to the benchmark shop's own order page.
TAMARA = {**TAMARA, "SUCCESS_URL": "/bench/app/orders/{order_reference_id}/"}

# The hand-written baseline's own settings, read from the same environment as the app's
# (TAMARA_API_URL, TAMARA_API_TOKEN, TAMARA_NOTIFICATION_TOKEN through the sandbox's TAMARA),
# as flat names: it does not use the app, so it does not read the app's settings dict.
HANDWRITTEN_TAMARA_API_URL = TAMARA["API_URL"]
HANDWRITTEN_TAMARA_API_TOKEN = TAMARA["API_TOKEN"]
HANDWRITTEN_TAMARA_NOTIFICATION_TOKEN = TAMARA["NOTIFICATION_TOKEN"]
