"""The incidents API routes and the Alertmanager receiver (mounted under /api/v1/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from incidents.api.receiver import AlertmanagerReceiver
from incidents.api.views import IncidentViewSet

router = SimpleRouter()
router.register("incidents", IncidentViewSet, basename="incident")

urlpatterns = [
    path("integrations/alertmanager/", AlertmanagerReceiver.as_view(), name="alertmanager"),
]
