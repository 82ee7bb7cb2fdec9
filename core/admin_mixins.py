"""What every app's admin uses: the coloured badge and change forms that take other apps' links."""

from __future__ import annotations

from django.utils.html import format_html

from core import colours, extensions


def level_badge(level: str, label: str, colour: str | None, title: str = ""):
    """A coloured label (a level, a state, a budget) with text that stays readable on its colour."""
    colour = colour or "#777777"
    return format_html(
        '<span class="riskregister-badge" style="background:{};color:{}"{}>{}</span>',
        colour,
        colours.text_on(colour),
        format_html(' title="{}"', title) if title else "",
        label,
    )


class ObjectToolsMixin:
    """Change forms whose object tools other apps add links to (``extensions.add_object_tools``).

    Use with a template that includes "admin/core/object_tools.html" in its object-tools block
    (``admin/core/change_form.html`` does).
    """

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["extension_tools"] = extensions.tools_for(request, self.model._meta.label_lower, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)
