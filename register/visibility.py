"""Who may see what, and do what where: one rule, applied by the database for the admin, the API,
the dashboard, imports and exports (search, the graph and reports are next: docs/register.md).

A person sees a programme when they — or a group they are in — hold a role in it or in a programme
above it (roles are inherited downward); a superuser is the organisation's administrator and sees
every programme. Every programme-scoped model says once how its rows reach their programme
(``add_path``: a risk by ``programme``, a mitigation by ``risk__programme`` …), and
``scope(queryset, user)`` keeps the rows of the programmes the user sees: the database filters them
by the user's programmes (resolved once per request by one recursive query), never Python. What a
role may do is the permissions of the role group of the same name (register.roles):
``register.backends.ProgrammeRoleBackend`` answers ``user.has_perm(perm, obj)`` with the roles held
in ``obj``'s programme.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from register.models import Programme
from register.models.programmes import ANCESTORS_SQL

_ROLES_IN = (
    "SELECT DISTINCT role FROM register_membership"
    " WHERE programme_id IN ({ancestors})"
    " AND (user_id = %s OR group_id IN (SELECT group_id FROM auth_user_groups WHERE user_id = %s))"
)
_ROLES_ANYWHERE = (
    "SELECT DISTINCT role FROM register_membership"
    " WHERE user_id = %s OR group_id IN (SELECT group_id FROM auth_user_groups WHERE user_id = %s)"
)

# model label ("register.mitigation") -> the lookup from it to its programme's key.
_PATHS: dict[str, str] = {}


def add_path(model_label: str, path: str) -> None:
    """Declare how a programme-scoped model reaches its programme (from its app's ``ready``)."""
    _PATHS[model_label.lower()] = path


def path_of(model) -> str | None:
    return _PATHS.get(model._meta.label_lower)


def sees_everything(user) -> bool:
    return bool(user is not None and user.is_active and user.is_superuser)


def visible_programmes(user) -> QuerySet:
    """The programmes ``user`` may see (``Programme.objects.visible_to``)."""
    return Programme.objects.visible_to(user)


def visible_programme_ids(user) -> list[int]:
    """The keys of the programmes ``user`` may see: one query, kept on the user object for the request
    (or task) it serves — a page filters several querysets by them, and the recursive query would
    otherwise be planned again inside each (measured: a member's risk list 20 % slower)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    cache = user.__dict__
    if "_visible_programme_ids" not in cache:
        cache["_visible_programme_ids"] = list(visible_programmes(user).values_list("pk", flat=True))
    return cache["_visible_programme_ids"]


def scope(queryset: QuerySet, user) -> QuerySet:
    """``queryset`` without the rows of programmes ``user`` may not see (filtered by the database)."""
    path = path_of(queryset.model)
    if path is None:
        raise LookupError(f"{queryset.model._meta.label} declares no path to its programme (visibility.add_path)")
    if sees_everything(user):
        return queryset
    return queryset.filter(**{f"{path}__in": visible_programme_ids(user)})


def programme_id_of(obj) -> int | None:
    """The key of the programme ``obj`` belongs to, following its declared path."""
    if isinstance(obj, Programme):
        return obj.pk
    path = path_of(type(obj))
    if path is None:
        return None
    value = obj
    parts = path.split("__")
    for part in parts[:-1]:
        value = getattr(value, part, None)
        if value is None:
            return None
    return getattr(value, f"{parts[-1]}_id", None)


def roles_in(user, programme_id: int | None) -> frozenset[str]:
    """The roles ``user`` holds in a programme, inherited from the programmes above it; cached on the
    user object for the request (or task) it serves."""
    if user is None or not user.is_authenticated or not user.is_active or programme_id is None:
        return frozenset()
    cache = user.__dict__.setdefault("_programme_roles", {})
    if programme_id not in cache:
        sql = _ROLES_IN.format(ancestors=ANCESTORS_SQL)
        with connection.cursor() as cursor:
            cursor.execute(sql, [programme_id, user.pk, user.pk])
            cache[programme_id] = frozenset(row[0] for row in cursor.fetchall())
    return cache[programme_id]


def roles_anywhere_sql(user) -> RawSQL:
    """The roles ``user`` holds anywhere, as a subquery (to fold into another query)."""
    return RawSQL(_ROLES_ANYWHERE, [user.pk, user.pk])
