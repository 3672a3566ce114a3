"""Enumerating the product's routes, for the sweeps that must cover routes added later."""

from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

CLINIC_PREFIX = "c/<slug:clinic_slug>/"


@dataclass(frozen=True)
class Route:
    name: str
    template: str  # e.g. "c/<slug:clinic_slug>/patients/<int:patient_id>/"
    callback: object

    @property
    def kwargs(self) -> list[str]:
        import re

        return re.findall(r"<(?:\w+:)?(\w+)>", self.template)

    def url(self, **values: object) -> str:
        import re

        return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), self.template)


def _walk(patterns: list, prefix: str = "") -> Iterator[Route]:  # type: ignore[type-arg]
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield Route(
                name=entry.name or "", template=prefix + str(entry.pattern), callback=entry.callback
            )


def clinic_routes() -> list[Route]:
    """Every browser page under /c/<slug>/ — the tenant's part of the site."""
    return [r for r in _walk(get_resolver().url_patterns) if r.template.startswith(CLINIC_PREFIX)]
