"""The register's roles as Django groups, and the model permissions each one holds.

Model permissions say what a role may do to a kind of object; ``Risk.is_editable_by`` adds the
object rule (a risk owner edits only the risks they own). Admin and API both check both.
"""

from __future__ import annotations

VIEWER = "viewer"
RISK_OWNER = "risk owner"
REVIEWER = "reviewer"
INCIDENT_RESPONDER = "incident responder"
ADMINISTRATOR = "administrator"
INTEGRATION = "integration"

REGISTER_APPS = ("riskregister", "monitoring", "incidents")

# (app_label, codename) pairs on top of "view everything in the register apps".
_EXTRA: dict[str, set[tuple[str, str]]] = {
    VIEWER: set(),
    RISK_OWNER: {
        ("riskregister", "change_risk"),
        *{
            ("riskregister", f"{action}_{model}")
            for action in ("add", "change", "delete")
            for model in ("mitigation", "indicator", "risklink")
        },
    },
    REVIEWER: {
        *{
            ("riskregister", f"{action}_{model}")
            for action in ("add", "change", "delete")
            for model in ("reviewtemplate", "reviewtemplateitem", "reviewaction", "reportsubscription")
        },
        *{
            ("riskregister", f"{action}_{model}")
            for action in ("add", "change")
            for model in ("review", "reviewitem", "reassessment", "mitigationevaluation")
        },
        ("riskregister", "complete_review"),
    },
    INCIDENT_RESPONDER: {
        ("monitoring", "change_alert"),
        *{
            ("incidents", f"{action}_{model}")
            for action in ("add", "change")
            for model in ("incident", "timelineevent", "postmortem")
        },
    },
    # Machines that push readings (CI, review tooling) through the API.
    INTEGRATION: {
        ("monitoring", "add_reading"),
    },
}
ROLES = (VIEWER, RISK_OWNER, REVIEWER, INCIDENT_RESPONDER, ADMINISTRATOR, INTEGRATION)


def sync_roles(apps=None) -> None:
    """Create the role groups and (re)grant their permissions; safe to run again after new models."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrate; create them now so groups can hold them.
    for config in apps.get_app_configs():
        config.models_module = True
        create_permissions(config, verbosity=0, apps=apps)
        config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    register = Permission.objects.filter(content_type__app_label__in=REGISTER_APPS)
    view = list(register.filter(codename__startswith="view_"))
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        if role == ADMINISTRATOR:
            granted = list(register) + list(
                Permission.objects.filter(content_type__app_label="auth", codename__in=["view_user", "view_group"])
            )
        else:
            extra = [p for p in register if (p.content_type.app_label, p.codename) in _EXTRA[role]]
            granted = view + extra
        group.permissions.add(*granted)
