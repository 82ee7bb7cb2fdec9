"""The plans API routes (mounted under /api/v1/ by riskregister/api_urls.py)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from plans.api.views import PlanImportUploadView, PlanImportViewSet

router = SimpleRouter()
router.register("plan-imports", PlanImportViewSet, basename="planimport")

urlpatterns = [path("plans/import/", PlanImportUploadView.as_view(), name="plan-import")]
