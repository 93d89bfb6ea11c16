"""The hand-written baseline of the end-to-end benchmark (issue #17): a Tamara checkout as a
competent Django developer would write it without django-tamara, fastest and still correct.

``requests`` with one kept-alive session, PyJWT for the webhook's token, three small models
and one ``QuerySet.update()`` per change. No builder, no mirror of Tamara's order, no
signals, no ledger beyond one capture row. See views.py for what each view does and why.
"""
