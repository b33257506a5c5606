from django import template

from kuyakusho.guide.selectors import span_text

register = template.Library()


@register.filter
def hours(rule: dict) -> str:
    """An opening rule's hours in the page's language (09:00〜17:00 / 09:00–17:00)."""
    return span_text(rule["opens"], rule["closes"])
