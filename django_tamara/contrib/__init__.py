"""Adapters to the frameworks a shop already runs (issue #16).

- :mod:`django_tamara.contrib.payments`: a django-payments provider (``pip install
  django-tamara[payments]``);
- :mod:`django_tamara.contrib.oscar`: Tamara as a payment method in django-oscar's checkout
  (``pip install django-tamara[oscar]``).

Each is a thin layer over the app: payloads come from a builder, every change of a Tamara
order goes through :mod:`django_tamara.lifecycle`, and the framework's own records (a
``Payment``, an Oscar ``Source`` and its ``Transaction`` rows) follow the app's signals. Neither
adapter writes a Tamara order or its ledger itself (``tests/one_writer.py`` checks it).
"""
