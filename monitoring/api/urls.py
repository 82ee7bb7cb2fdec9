"""Monitoring's API routes (mounted under /api/v1/ by riskregister/api_urls.py)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from monitoring.api.views import AlertRuleViewSet, AlertViewSet, MetricViewSet, ReadingBatchView, SLOViewSet

router = SimpleRouter()
router.register("metrics", MetricViewSet, basename="metric")
router.register("alert-rules", AlertRuleViewSet, basename="alertrule")
router.register("alerts", AlertViewSet, basename="alert")
router.register("slos", SLOViewSet, basename="slo")

urlpatterns = [
    path("readings/", ReadingBatchView.as_view(), name="readings"),
]
