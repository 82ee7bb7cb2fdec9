"""Conditional edits in the admin: a change form (and each inline row) carries the version it was
opened at, and a stale save is refused with what the other person changed.

The admin site mixes :class:`ConditionalEdits` into every ModelAdmin it registers
(``core/admin_site.py``), so no admin can forget it. The form's hidden ``concurrency_token`` holds
the tracked values as they were when the page was built (signed, so a tampered token is refused
rather than believed); on save the row is read again under a lock (the admin saves inside a
transaction) and compared.

A refused save keeps the person's work: the form comes back with their input; fields only the other
person changed take the newer values, fields both changed keep theirs, and the token moves to the
current version — so checking the form and saving again applies both edits, and a second save
without looking cannot undo a change it was just told about by accident of an untouched field.
"""

from __future__ import annotations

from functools import cache

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.forms.widgets import MultiWidget
from django.utils.translation import gettext as _

from core import concurrency

TOKEN = "concurrency_token"
_SALT = "riskregister.concurrency"


def _dumps(instance) -> str:
    return signing.dumps(concurrency.values(instance), salt=_SALT, compress=True)


class VersionedForm:
    """Mixed into a ModelForm class by :func:`versioned_form`."""

    stale: list[concurrency.Change] | None = None
    # An inline row the person did not touch is not saved, so it is not checked either.
    only_when_changed = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and not self.is_bound:
            self.initial[TOKEN] = _dumps(self.instance)

    @property
    def changed_data(self):
        return [name for name in super().changed_data if name != TOKEN]

    def clean(self):
        cleaned = super().clean()
        self._check_version()
        return cleaned

    def _check_version(self) -> None:
        self.stale = None
        if self.instance.pk is None or not self.is_bound:
            return
        if self.only_when_changed and not self.has_changed():
            return
        raw = self.data.get(self.add_prefix(TOKEN))
        if not raw:
            # Only pages the admin built carry a token; a post without one (a script) is taken as
            # meaning "whatever is there now", as an API write without If-Match is.
            return
        try:
            opened = signing.loads(raw, salt=_SALT)
        except signing.BadSignature:
            raise ValidationError(_("This page's version mark is unreadable: reload the page."), code="stale") from None
        model = type(self.instance)
        try:
            current_instance = concurrency.locked(self.instance)
        except model.DoesNotExist:
            raise ValidationError(_("Someone deleted this while you had it open."), code="deleted") from None
        current = concurrency.values(current_instance)
        if concurrency.version_of_values(opened) == concurrency.version_of_values(current):
            return
        self.stale = concurrency.changes(model, opened, current)
        self._merge(opened, current)
        listed = "; ".join(str(change) for change in self.stale) or _("fields this form does not show")
        raise ValidationError(
            _(
                "Nothing was saved: someone changed this since you opened it (%(changes)s). Their changes"
                " are now on the form; where you changed the same field yours is kept. Check and save again."
            )
            % {"changes": listed},
            code="stale",
        )

    def _merge(self, opened: dict, current: dict) -> None:
        data = self.data.copy()
        model = type(self.instance)
        fields = {f.name: f for f in concurrency.tracked_fields(model)}
        for name, field in self.fields.items():
            model_field = fields.get(name)
            if model_field is None or opened.get(name) == current.get(name) or isinstance(field.widget, MultiWidget):
                continue
            submitted = self[name].data
            if field.has_changed(concurrency.python_value(model_field, opened.get(name)), submitted):
                continue  # both changed it: theirs is named in the message, yours stays on the form
            html_name = self.add_prefix(name)
            value = current.get(name)
            if model_field.many_to_many:
                data.setlist(html_name, [str(v) for v in value])
            elif isinstance(field, forms.BooleanField):
                if value:
                    data[html_name] = "on"
                else:
                    data.pop(html_name, None)
            else:
                data[html_name] = "" if value is None else str(value)
        data[self.add_prefix(TOKEN)] = signing.dumps(current, salt=_SALT, compress=True)
        self.data = data


class VersionedFormSet:
    """Mixed into an inline formset: a row deleted since it was opened elsewhere changed is refused
    too (a formset ignores the errors of rows being deleted, so the check is repeated here)."""

    def clean(self):
        super().clean()
        for form in self.forms:
            if self.can_delete and self._should_delete_form(form) and getattr(form, "stale", None):
                raise ValidationError(
                    _("Nothing was saved: a row you are deleting was changed since you opened the page (%(changes)s).")
                    % {"changes": "; ".join(str(change) for change in form.stale)},
                    code="stale",
                )


@cache
def versioned_form(form_class, inline: bool = False):
    if issubclass(form_class, VersionedForm):
        return form_class
    token = forms.CharField(widget=forms.HiddenInput, required=False)
    return type(form_class.__name__, (VersionedForm, form_class), {TOKEN: token, "only_when_changed": inline})


@cache
def versioned_formset(formset_class):
    if issubclass(formset_class, VersionedFormSet):
        return formset_class
    return type(formset_class.__name__, (VersionedFormSet, formset_class), {})


def _with_token(fieldsets, editable: bool):
    """The fieldsets with the token field last in the first one (only where the page edits)."""
    out = []
    for index, (name, options) in enumerate(fieldsets):
        fields = [f for f in options.get("fields", ()) if f != TOKEN]
        if editable and index == 0:
            fields.append(TOKEN)
        out.append((name, {**options, "fields": fields}))
    return out


class _Versioned:
    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        return _with_token(fieldsets, obj is not None and self.has_change_permission(request, obj))


class ConditionalInline(_Versioned):
    def get_formset(self, request, obj=None, **kwargs):
        kwargs.setdefault("form", versioned_form(self.form, inline=True))
        kwargs.setdefault("formset", versioned_formset(self.formset))
        return super().get_formset(request, obj, **kwargs)


@cache
def conditional_inline(inline_class):
    if issubclass(inline_class, ConditionalInline):
        return inline_class
    return type(inline_class.__name__, (ConditionalInline, inline_class), {})


class ConditionalEdits(_Versioned):
    """Every change form and inline of this admin carries its version (see the module's docstring)."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs.setdefault("form", versioned_form(self.form))
        return super().get_form(request, obj, change, **kwargs)

    def get_inlines(self, request, obj):
        return [conditional_inline(inline) for inline in super().get_inlines(request, obj)]
