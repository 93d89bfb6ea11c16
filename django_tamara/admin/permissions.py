"""One Django permission per admin action, as the ``ModelAdmin`` methods Django asks.

Django's ``@admin.action(permissions=["capture"])`` calls ``has_capture_permission``; the
order's page and the bulk actions both refuse (403) what the user may not run. Both mixins
share this one, so a permission is spelled once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from ..models import TamaraOrder
from . import actions as rules
from .actions import Kind

if TYPE_CHECKING:  # the mixins are only ever mixed into TamaraOrderAdmin: type them as one
    AdminBase = admin.ModelAdmin[TamaraOrder]
else:
    AdminBase = object


class ActionPermissions(AdminBase):
    """``has_<action>_permission`` for each action, and a 403 for the rest."""

    def has_authorise_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return rules.allowed(request.user, Kind.AUTHORISE)

    def has_capture_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return rules.allowed(request.user, Kind.CAPTURE)

    def has_refund_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return rules.allowed(request.user, Kind.REFUND)

    def has_cancel_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return rules.allowed(request.user, Kind.CANCEL)

    def has_sync_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return rules.allowed(request.user, Kind.SYNC)

    def _require(self, request: HttpRequest, kind: str) -> None:
        if not rules.allowed(request.user, kind):
            raise PermissionDenied
