"""Who may see what, and do what where: one rule, applied by the database for the admin, the API,
the dashboard, reviews and reports, imports and exports — and handed to the stores outside the
database (``programme_filter``: the graph's Cypher, the vector store's ``where``) for search and the
graph (docs/register.md, "Programmes").

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
from django.db.models import Q, QuerySet
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

# model label ("register.mitigation") -> the lookups from it to its programme's key: one, or several
# where a row reaches its programme one of several ways (an alert by its metric or its SLO).
_PATHS: dict[str, tuple[str, ...]] = {}


def add_path(model_label: str, path: str, *more: str) -> None:
    """Declare how a programme-scoped model reaches its programme (from its app's ``ready``)."""
    _PATHS[model_label.lower()] = (path, *more)


def path_of(model) -> str | None:
    paths = _PATHS.get(model._meta.label_lower)
    return paths[0] if paths else None


def paths_of(model) -> tuple[str, ...]:
    """Every way the model's rows reach their programme (most have one)."""
    return _PATHS.get(model._meta.label_lower, ())


def narrow(user, programme_ids: list[int] | None) -> None:
    """Keep ``user``'s view, for the request it serves, to these programmes (the admin's programme
    selector, register.middleware): every rule below then answers within them. None: no narrowing."""
    user.__dict__["_programme_narrowed"] = programme_ids


def narrowed_to(user) -> list[int] | None:
    return user.__dict__.get("_programme_narrowed") if user is not None else None


def sees_everything(user) -> bool:
    return bool(user is not None and user.is_active and user.is_superuser and narrowed_to(user) is None)


def visible_programmes(user) -> QuerySet:
    """The programmes ``user`` may see (``Programme.objects.visible_to``), within the ones the admin's
    selector narrowed the request to."""
    programmes = Programme.objects.visible_to(user)
    narrowed = narrowed_to(user)
    return programmes if narrowed is None else programmes.filter(pk__in=narrowed)


# Bumped whenever a programme, a membership or someone's groups change (register.receivers): what is
# kept on a user object below is thrown away then, so a request (or a test's user object) that makes
# a programme sees it at once.
_generation = [0]


def changed(**kwargs) -> None:
    _generation[0] += 1


def kept(user, name: str) -> dict:
    """A dict kept on the user object for the request (or task) it serves, emptied when programmes
    or memberships change."""
    stamp = user.__dict__.get("_programme_cache_generation")
    if stamp != _generation[0]:
        for key in [k for k in user.__dict__ if k.startswith("_programme_cache_")]:
            del user.__dict__[key]
        user.__dict__["_programme_cache_generation"] = _generation[0]
    return user.__dict__.setdefault(f"_programme_cache_{name}", {})


def visible_programme_ids(user) -> list[int]:
    """The keys of the programmes ``user`` may see: one query, kept on the user object for the request
    (or task) it serves — a page filters several querysets by them, and the recursive query would
    otherwise be planned again inside each (measured: a member's risk list 20 % slower)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    cache = kept(user, "visible")
    if "ids" not in cache:
        cache["ids"] = list(visible_programmes(user).values_list("pk", flat=True))
    return cache["ids"]


def programme_filter(user) -> list[int] | None:
    """For the stores outside the database (the graph, the vector store): the programme keys to keep
    to, or None for someone who sees every programme."""
    return None if sees_everything(user) else visible_programme_ids(user)


def scope(queryset: QuerySet, user) -> QuerySet:
    """``queryset`` without the rows of programmes ``user`` may not see (filtered by the database)."""
    paths = _PATHS.get(queryset.model._meta.label_lower)
    if paths is None:
        raise LookupError(f"{queryset.model._meta.label} declares no path to its programme (visibility.add_path)")
    if sees_everything(user):
        return queryset
    visible = visible_programme_ids(user)
    condition = Q()
    for path in paths:
        condition |= Q(**{f"{path}__in": visible})
    return queryset.filter(condition)


def programme_id_of(obj) -> int | None:
    """The key of the programme ``obj`` belongs to, following its declared path."""
    if isinstance(obj, Programme):
        return obj.pk
    for path in _PATHS.get(type(obj)._meta.label_lower, ()):
        value = obj
        parts = path.split("__")
        for part in parts[:-1]:
            value = getattr(value, part, None)
            if value is None:
                break
        else:
            if parts[-1] == "pk":
                return value.pk
            found = getattr(value, f"{parts[-1]}_id", None)
            if found is not None:
                return found
    return None


def roles_in(user, programme_id: int | None) -> frozenset[str]:
    """The roles ``user`` holds in a programme, inherited from the programmes above it; cached on the
    user object for the request (or task) it serves."""
    if user is None or not user.is_authenticated or not user.is_active or programme_id is None:
        return frozenset()
    cache = kept(user, "roles")
    if programme_id not in cache:
        sql = _ROLES_IN.format(ancestors=ANCESTORS_SQL)
        with connection.cursor() as cursor:
            cursor.execute(sql, [programme_id, user.pk, user.pk])
            cache[programme_id] = frozenset(row[0] for row in cursor.fetchall())
    return cache[programme_id]


def roles_anywhere_sql(user) -> RawSQL:
    """The roles ``user`` holds anywhere, as a subquery (to fold into another query)."""
    return RawSQL(_ROLES_ANYWHERE, [user.pk, user.pk])
