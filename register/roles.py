"""The register's roles as Django groups, and the model permissions each one holds.

Model permissions say what a role may do to a kind of object; ``Risk.is_editable_by`` adds the
object rule (a risk owner edits only the risks they own). Admin and API both check both.

Every role may view everything in the apps that take part (``grant`` marks an app as taking part);
each app grants its own models' other permissions from its ``AppConfig.ready()``, so this module
names no app above the register. ``sync_roles`` runs after every ``migrate`` (a ``post_migrate``
receiver), so a new model's permissions reach the roles without a data migration.
"""

from __future__ import annotations

from collections.abc import Iterable

VIEWER = "viewer"
RISK_OWNER = "risk owner"
REVIEWER = "reviewer"
INCIDENT_RESPONDER = "incident responder"
ADMINISTRATOR = "administrator"
INTEGRATION = "integration"
ROLES = (VIEWER, RISK_OWNER, REVIEWER, INCIDENT_RESPONDER, ADMINISTRATOR, INTEGRATION)

# The apps whose models every role may view and administrators may change.
_APPS: set[str] = {"register"}
# role -> {(app_label, codename)} on top of viewing.
_GRANTS: dict[str, set[tuple[str, str]]] = {role: set() for role in ROLES}


def grant(role: str, app_label: str, codenames: Iterable[str] = ()) -> None:
    """Give ``role`` these permissions of ``app_label`` (and make the app's models viewable by all)."""
    if role not in _GRANTS:
        raise ValueError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
    _APPS.add(app_label)
    _GRANTS[role].update((app_label, codename) for codename in codenames)


def register_apps() -> frozenset[str]:
    return frozenset(_APPS)


def sync_roles(apps=None) -> None:
    """Create the role groups and (re)grant their permissions; safe to run again after new models."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    from django.contrib.auth.management import create_permissions

    # post_migrate runs app by app; make sure every app's permissions exist before granting them.
    for config in apps.get_app_configs():
        create_permissions(config, verbosity=0, apps=apps)

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    register = list(Permission.objects.filter(content_type__app_label__in=_APPS).select_related("content_type"))
    view = [p for p in register if p.codename.startswith("view_")]
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        if role == ADMINISTRATOR:
            granted = (
                register
                + list(
                    Permission.objects.filter(content_type__app_label="auth", codename__in=["view_user", "view_group"])
                )
                + list(Permission.objects.filter(content_type__app_label="audit", codename="view_entry"))
            )
        else:
            granted = view + [p for p in register if (p.content_type.app_label, p.codename) in _GRANTS[role]]
        group.permissions.add(*granted)


def sync_roles_after_migrate(sender, apps=None, using="default", **kwargs) -> None:
    # The global registry, not the migration's historical one: permissions are for today's models.
    sync_roles()
