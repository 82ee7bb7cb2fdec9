"""Signing in for an API token is a sign-in: recorded as the admin's are (simplejwt sends no
``user_logged_in``; a failure already reaches the trail through ``authenticate()``'s signal)."""

from rest_framework_simplejwt.views import TokenObtainPairView

from audit.models import Kind
from audit.receivers import record


class SignInTokenView(TokenObtainPairView):
    def get_serializer(self, *args, **kwargs):
        self._serializer = super().get_serializer(*args, **kwargs)
        return self._serializer

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        user = getattr(getattr(self, "_serializer", None), "user", None)
        if response.status_code == 200 and user is not None:
            record(Kind.SIGN_IN, request, actor=f"user:{user.get_username()}", actor_id=user.pk, via="token")
        return response
