"""Programmes in the admin: the programme tree with its members, and the mixin that keeps every
programme-scoped page to the programmes its user sees (register.visibility)."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy as _

from register import visibility
from register.models import Membership, Programme


class ProgrammeScoped:
    """A ModelAdmin (or inline) of a programme-scoped model: its list, search, autocompletes, filters
    and object pages hold only the rows of programmes the user sees — an object of another
    programme is "not found", as an object that does not exist. Related choices follow the same
    rule: a programme field offers the programmes where the user may add this kind of row, a risk
    field the risks the user sees."""

    # With several programmes on the page, a column says whose each row is (the risk list says it in
    # the code instead: P2 R-1).
    programme_column = True

    def get_queryset(self, request):
        return visibility.scope(super().get_queryset(request), request.user)

    @staticmethod
    def several_programmes(request) -> bool:
        """Whether the user sees more than one programme (once per request): with one, there is
        nothing to choose or tell apart, and the programme field and column stay hidden."""
        cached = getattr(request, "_several_programmes", None)
        if cached is None:
            cached = request._several_programmes = visibility.visible_programmes(request.user)[:2].count() > 1
        return cached

    def _names_programme(self) -> bool:
        return any(f.name == "programme" for f in self.model._meta.concrete_fields) and self.model is not Membership

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if self._names_programme() and not self.several_programmes(request):
            return [f for f in fields if f != "programme"]
        return fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if not self._names_programme() or self.several_programmes(request):
            return fieldsets
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != "programme"]})
            for name, options in fieldsets
        ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if obj is not None or not self._names_programme() or "programme" in form.base_fields:
            return form
        # The field is hidden (the user sees one programme): a new row goes into that one, before
        # the model's own checks run (they ask for a programme when the register has several).
        opts = self.model._meta
        where = list(
            Programme.objects.where(request.user, f"{opts.app_label}.add_{opts.model_name}").filter(
                pk__in=visibility.visible_programme_ids(request.user)  # within the selector's choice
            )[:2]
        )
        if len(where) != 1:
            return form
        programme = where[0]

        class InTheirProgramme(form):
            def clean(self):
                if self.instance.programme_id is None:
                    self.instance.programme = programme
                return super().clean()

        return InTheirProgramme

    def _related_only(self, list_filter):
        if not isinstance(list_filter, str) or "__" in list_filter:
            return list_filter
        try:
            field = self.model._meta.get_field(list_filter)
        except FieldDoesNotExist:  # a method or a lookup: left as it is
            return list_filter
        if field.is_relation and visibility.path_of(field.related_model) is not None:
            return (list_filter, admin.RelatedOnlyFieldListFilter)
        return list_filter

    def get_list_display(self, request):
        shown = list(super().get_list_display(request))
        if (
            self.programme_column
            and self._names_programme()
            and self.several_programmes(request)
            and "programme" not in shown
        ):
            shown.insert(1, "programme")
        return shown

    def get_list_filter(self, request):
        # A filter on a programme-scoped relation (a category, a metric) offers only the values the
        # listed rows use — the user's programmes' — never every row of the table.
        filters = [self._related_only(f) for f in super().get_list_filter(request)]
        named = {f if isinstance(f, str) else f[0] for f in filters}
        if self._names_programme() and self.several_programmes(request) and "programme" not in named:
            filters.append(("programme", admin.RelatedOnlyFieldListFilter))
        return filters

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Programme and "queryset" not in kwargs:
            opts = self.model._meta
            kwargs["queryset"] = Programme.objects.where(request.user, f"{opts.app_label}.add_{opts.model_name}")
        elif "queryset" not in kwargs and visibility.path_of(db_field.related_model) is not None:
            # A risk, a metric, a category …: only those of programmes the user sees.
            kwargs["queryset"] = visibility.scope(db_field.related_model._default_manager.all(), request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "queryset" not in kwargs and visibility.path_of(db_field.related_model) is not None:
            kwargs["queryset"] = visibility.scope(db_field.related_model._default_manager.all(), request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ["user", "group", "role"]
    autocomplete_fields = ["user", "group"]
    extra = 0


@admin.register(Programme)
class ProgrammeAdmin(ProgrammeScoped, admin.ModelAdmin):
    list_display = ["code", "name", "parent", "status", "lead"]
    list_filter = ["status"]
    list_select_related = ["parent", "lead"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["lead"]
    inlines = [MembershipInline]
    fields = ["code", "name", "description", "parent", "status", "lead"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            # A new programme goes under one the user may add programmes to; only the organisation's
            # administrator starts a new tree (anyone else could not see what they made).
            kwargs["queryset"] = Programme.objects.where(request.user, "register.add_programme")
            kwargs["required"] = not visibility.sees_everything(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or request.user.has_perm("register.change_programme", obj)
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (
            obj is None or request.user.has_perm("register.delete_programme", obj)
        )

    def get_inlines(self, request, obj):
        # Who holds which role is for the programme's administrators to see and change.
        if obj is not None and request.user.has_perm("register.change_membership", obj):
            return self.inlines
        return []

    def save_model(self, request, obj, form, change):
        obj.full_clean()
        super().save_model(request, obj, form, change)


@admin.register(Membership)
class MembershipAdmin(ProgrammeScoped, admin.ModelAdmin):
    list_display = ["programme", "user", "group", "role"]
    list_filter = ["role", ("programme", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["programme", "user", "group"]
    search_fields = ["programme__code", "user__username", "group__name"]
    autocomplete_fields = ["user", "group"]
    verbose_name = _("membership")

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or request.user.has_perm("register.change_membership", obj)
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (
            obj is None or request.user.has_perm("register.delete_membership", obj)
        )
