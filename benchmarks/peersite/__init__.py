"""The peer site of the end-to-end benchmark (issue #17): a minimal shop on the other Django
package for Tamara on PyPI, ``aghfatehi-django-tamara`` 2.0.1 (module and app ``tamara``).

    pip install aghfatehi-django-tamara==2.0.1

It is not a dependency of django-tamara: without it the settings stop with a message that says so.
"""
