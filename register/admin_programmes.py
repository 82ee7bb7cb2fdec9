"""Programmes in the admin: the programme tree with its members, and the mixin that keeps every
programme-scoped page to the programmes its user sees (register.visibility)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from register import visibility
from register.models import Membership, Programme, Risk


class ProgrammeScoped:
    """A ModelAdmin (or inline) of a programme-scoped model: its list, search, autocompletes, filters
    and object pages hold only the rows of programmes the user sees — an object of another
    programme is "not found", as an object that does not exist. Related choices follow the same
    rule: a programme field offers the programmes where the user may add this kind of row, a risk
    field the risks the user sees."""

    def get_queryset(self, request):
        return visibility.scope(super().get_queryset(request), request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Programme and "queryset" not in kwargs:
            opts = self.model._meta
            kwargs["queryset"] = Programme.objects.where(request.user, f"{opts.app_label}.add_{opts.model_name}")
        elif db_field.related_model is Risk and "queryset" not in kwargs:
            kwargs["queryset"] = visibility.scope(Risk.objects.all(), request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


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
