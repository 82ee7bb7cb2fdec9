"""The API at /api/v1/: every app's routes, assembled here (each app owns its ``api/urls.py``).

One DefaultRouter gathers the apps' viewsets so the API root lists them all and every route keeps
its name in the one ``api`` namespace (``api:risk-detail``, ``api:incident-list`` …).
"""

from django.urls import include, path
from rest_framework.routers import DefaultRouter
from rest_framework_simplejwt.views import TokenRefreshView

from audit.api import urls as audit
from audit.api.tokens import SignInTokenView
from incidents.api import urls as incidents
from monitoring.api import urls as monitoring
from plans.api import urls as plans
from projections.api import urls as projections
from register.api import urls as register
from reviews.api import urls as reviews

APPS = [register, monitoring, incidents, reviews, plans, projections, audit]

router = DefaultRouter()
for app in APPS:
    router.registry.extend(app.router.registry)

urlpatterns = [
    path("auth/token/", SignInTokenView.as_view(), name="token_obtain_pair"),
    path("auth/token/refresh/", TokenRefreshView.as_view(), name="token_refresh"),
    *(pattern for app in APPS for pattern in app.urlpatterns),
    path("", include(router.urls)),
]
