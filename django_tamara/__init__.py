"""django-tamara: Tamara Buy-Now-Pay-Later payments for Django shops."""

__version__ = "0.1.0"
