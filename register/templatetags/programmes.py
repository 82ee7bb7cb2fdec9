"""The admin header's programme selector."""

from __future__ import annotations

from django import template

from register.middleware import SESSION_KEY
from register.models import Programme

register = template.Library()


@register.inclusion_tag("admin/register/programme_selector.html", takes_context=True)
def programme_selector(context):
    """Shown to whoever sees more than one programme: choose one (and the programmes under it) for
    every page, or all of them."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"programmes": []}
    programmes = list(Programme.objects.visible_to(user).order_by("code").values_list("code", "name")[:500])
    return {
        "programmes": programmes if len(programmes) > 1 else [],
        "chosen": request.session.get(SESSION_KEY, ""),
        "next": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }
