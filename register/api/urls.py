"""The register's API routes (mounted under /api/v1/ by riskregister/api_urls.py)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from register.api.programmes import ProgrammeViewSet
from register.api.treatment import AcceptanceViewSet, AppetiteViewSet
from register.api.views import CategoryViewSet, ComponentViewSet, HeatmapMovesView, HeatmapView, RiskViewSet

router = SimpleRouter()
router.register("programmes", ProgrammeViewSet, basename="programme")
router.register("risks", RiskViewSet, basename="risk")
router.register("categories", CategoryViewSet, basename="category")
router.register("components", ComponentViewSet, basename="component")
router.register("acceptances", AcceptanceViewSet, basename="acceptance")
router.register("appetite", AppetiteViewSet, basename="appetite")

urlpatterns = [
    path("heatmap/", HeatmapView.as_view(), name="heatmap"),
    path("heatmap/moves/", HeatmapMovesView.as_view(), name="heatmap-moves"),
]
