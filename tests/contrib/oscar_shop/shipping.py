"""The test shop's one shipping method: a fixed charge, so Tamara's total includes shipping."""

from decimal import Decimal

from oscar.apps.shipping import methods, repository

SHIPPING_CHARGE = Decimal("25.00")


class Standard(methods.FixedPrice):
    code = "standard"
    name = "Standard delivery"
    charge_excl_tax = SHIPPING_CHARGE
    charge_incl_tax = SHIPPING_CHARGE


class Repository(repository.Repository):
    methods = (Standard(),)
