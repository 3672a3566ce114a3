from typing import Any

from django import template
from django.utils.safestring import SafeString

from scheduling import roster_rows as rows
from scheduling.roster_rows import RosterUrls

register = template.Library()


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key)


@register.simple_tag
def roster_rows(item: Any, urls: RosterUrls, can_mark: bool) -> SafeString:
    """A session's rows on the roster (scheduling.roster_rows)."""
    return rows.roster_rows(item.rows, urls=urls, can_mark=can_mark, started=item.started)


@register.simple_tag
def roster_mark_labels() -> SafeString:
    return rows.mark_labels()
