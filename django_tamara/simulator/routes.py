"""The route table: which function answers which method and path, and who may call it.

``kind`` decides the treatment: ``api`` routes need the bearer token, are journaled and are
subject to fault injection; ``control`` and ``page`` routes are open and never faulted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .api import ROUTES as API_ROUTES
from .control import CONTROL_ROUTES, PAGE_ROUTES
from .http_messages import Endpoint

__all__ = ["Route", "Router"]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    endpoint: Endpoint
    kind: str


class Router:
    def __init__(self) -> None:
        self.routes: list[Route] = []
        for kind, table in (("api", API_ROUTES), ("control", CONTROL_ROUTES), ("page", PAGE_ROUTES)):
            for method, regex, endpoint in table:
                self.routes.append(Route(method, re.compile(regex), endpoint, kind))

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], set[str]]:
        """The route for ``method path`` with its parameters, or the methods the path allows."""
        allowed: set[str] = set()
        for route in self.routes:
            found = route.pattern.fullmatch(path)
            if found is None:
                continue
            if route.method == method:
                return route, found.groupdict(), allowed
            allowed.add(route.method)
        return None, {}, allowed
