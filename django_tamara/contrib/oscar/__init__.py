"""Tamara as a payment method in django-oscar's checkout (issue #16; docs/oscar.md).

- :mod:`.builders`: the payload of an Oscar basket and checkout session;
- :mod:`.views`: the redirect to Tamara, the return that places the order, failure and cancel;
- :mod:`.baskets`: the frozen basket, locked while an order is placed from it, thawed on a decline;
- :mod:`.sources`: the projection of a Tamara order onto Oscar's ``Source`` and ``Transaction``;
- :mod:`.receivers`: that projection after each of the app's signals;
- :mod:`.processing`: dashboard payment events that capture, refund and cancel through the lifecycle;
- :mod:`.loading`: an ``OSCAR_DYNAMIC_CLASS_LOADER`` that adds it to Oscar's ``EventHandler``.
"""
