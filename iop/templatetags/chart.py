"""`{% chart_section section extra %}`: one registered chart section (iop/hooks.py), rendered
like an `{% include %}` in the chart's context with the section's own values on top."""

from typing import Any

from django import template
from django.utils.safestring import SafeString

from iop.hooks import ChartSection

register = template.Library()


@register.simple_tag(takes_context=True)
def chart_section(context: Any, section: ChartSection, extra: dict[str, Any]) -> SafeString:
    loaded = context.template.engine.get_template(section.template)
    with context.push(extra):
        return loaded.render(context)
