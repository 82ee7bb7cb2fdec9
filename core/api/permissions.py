from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, DjangoModelPermissions

_VIEW = ["%(app_label)s.view_%(model_name)s"]


class ModelPermissions(DjangoModelPermissions):
    """Django model permissions for every method (reads need ``view_*``), plus the object rule.

    The object rule is the model's own ``is_editable_by`` (a risk owner edits only their risks), the
    same method the admin consults, so both entry points agree; without one, the model permissions
    asked of the object (held in its programme).
    """

    perms_map = {**DjangoModelPermissions.perms_map, "GET": _VIEW, "HEAD": _VIEW, "OPTIONS": _VIEW}

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in SAFE_METHODS:
            return True
        checker = getattr(obj, "is_editable_by", None)
        if checker is not None:
            return checker(request.user)
        # The same permissions, held where the object is: a role in another programme grants nothing
        # here (the authentication backends answer per object).
        return request.user.has_perms(self.get_required_permissions(request.method, type(obj)), obj)
