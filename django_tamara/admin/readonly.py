"""Admin pages nobody edits: the mirror of Tamara's orders, the audit log, the money attempts.

Their rows are written by the lifecycle alone (or by Tamara, through it); a form that could
change them would let the admin say something Tamara did not.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


class ReadOnlyAdmin:
    """A ``ModelAdmin`` mixin: no add, change or delete, for anybody, superusers included."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
