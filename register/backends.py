"""Permissions held through programme memberships (register.visibility).

A role held in a programme grants the permissions of the role group of the same name
(register.roles), on that programme's objects and those of the programmes under it. Asked without
an object, the backend answers for the roles held anywhere (so a member sees the admin's sections);
asked with one, for the roles held in its programme (an organisation-wide object, one of no
programme, answers as its model). Django's ModelBackend keeps answering for the groups a user is in
directly, without an object.
"""

from __future__ import annotations

from django.contrib.auth.backends import BaseBackend
from django.contrib.auth.models import Permission

from register import visibility

# Permissions a role held in a programme never grants: the audit trail spans every programme, so
# reading it takes the role organisation-wide (a group the user is in directly).
ORGANISATION_ONLY = {"audit"}


def _permissions_of(roles) -> frozenset[str]:
    """The permissions of the role groups named by ``roles`` (a list, or a subquery of names)."""
    rows = (
        Permission.objects.filter(group__name__in=roles)
        .exclude(content_type__app_label__in=ORGANISATION_ONLY)
        .values_list("content_type__app_label", "codename")
    )
    return frozenset(f"{app}.{codename}" for app, codename in rows)


class ProgrammeRoleBackend(BaseBackend):
    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous:
            return set()
        cache = visibility.kept(user_obj, "permissions")
        if obj is None or visibility.path_of(type(obj)) is None:
            # Organisation-wide objects (components, channels) answer as their model does: the roles
            # held anywhere, and their permissions, in one query (every API request asks this).
            if None not in cache:
                cache[None] = _permissions_of(visibility.roles_anywhere_sql(user_obj))
            return set(cache[None])
        programme_id = visibility.programme_id_of(obj)
        if programme_id is None:
            return set()
        roles = visibility.roles_in(user_obj, programme_id)
        if roles not in cache:
            cache[roles] = _permissions_of(roles) if roles else frozenset()
        return set(cache[roles])

    def has_perm(self, user_obj, perm, obj=None):
        return perm in self.get_all_permissions(user_obj, obj)
