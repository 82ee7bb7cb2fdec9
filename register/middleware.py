"""The admin's programme selector: the programme a person chose in the header (kept in their
session) narrows every admin page to it and the programmes under it — lists, counts, the dashboard,
the heat map, search — through the one visibility rule (register.visibility.narrow)."""

from __future__ import annotations

from register import visibility
from register.models import Programme

SESSION_KEY = "register.programme"


class ProgrammeSelectorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        code = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
        # The admin only: the API names its programme in each request (?programme=CODE).
        if code and request.path.startswith("/admin/") and request.user.is_authenticated:
            chosen = Programme.objects.visible_to(request.user).filter(code=code).values_list("pk", flat=True)
            under = list(Programme.objects.subtree(list(chosen)).values_list("pk", flat=True))
            if under:
                visibility.narrow(request.user, under)
            else:  # no longer theirs to see (or gone): forgotten
                del request.session[SESSION_KEY]
        return self.get_response(request)
