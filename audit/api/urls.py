"""The audit trail's API route (mounted under /api/v1/ by riskregister/api_urls.py)."""

from rest_framework.routers import SimpleRouter

from audit.api.views import EntryViewSet

router = SimpleRouter()
router.register("audit", EntryViewSet, basename="audit-entry")

urlpatterns = []
