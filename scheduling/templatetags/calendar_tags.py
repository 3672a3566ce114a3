from typing import Any

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key)


@register.simple_tag
def roster_marks(buttons: list[tuple[str, str, str]], status: str, name: str, started: bool) -> str:
    """A roster row's status buttons, one per status (only Excused before the session starts),
    each named with the patient. Built here rather than by a template loop: a page has 300
    rows of five, and this is most of the roster's rendering time."""
    who = escape(name)
    return mark_safe(  # noqa: S308 (every value is escaped or one of our own constants)
        "".join(
            f'<button name="status" value="{value}" class="mark" data-key="{key}" '
            f'aria-pressed="{"true" if value == status else "false"}" '
            f'aria-label="{label}: {who}">{label}</button>'
            for value, label, key in buttons
            if started or value == "excused"
        )
    )
