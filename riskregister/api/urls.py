from django.urls import include, path
from rest_framework.routers import DefaultRouter
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from incidents.api.receiver import AlertmanagerReceiver
from incidents.api.views import IncidentViewSet
from monitoring.api.views import AlertRuleViewSet, AlertViewSet, MetricViewSet, ReadingBatchView
from projections import api as projections
from riskregister.api.reviews import ReviewViewSet
from riskregister.api.views import CategoryViewSet, ComponentViewSet, HeatmapView, RiskViewSet

router = DefaultRouter()
router.register("risks", RiskViewSet, basename="risk")
router.register("categories", CategoryViewSet, basename="category")
router.register("components", ComponentViewSet, basename="component")
router.register("metrics", MetricViewSet, basename="metric")
router.register("alert-rules", AlertRuleViewSet, basename="alertrule")
router.register("alerts", AlertViewSet, basename="alert")
router.register("incidents", IncidentViewSet, basename="incident")
router.register("reviews", ReviewViewSet, basename="review")

urlpatterns = [
    path("auth/token/", TokenObtainPairView.as_view(), name="token_obtain_pair"),
    path("auth/token/refresh/", TokenRefreshView.as_view(), name="token_refresh"),
    path("heatmap/", HeatmapView.as_view(), name="heatmap"),
    path("readings/", ReadingBatchView.as_view(), name="readings"),
    path("integrations/alertmanager/", AlertmanagerReceiver.as_view(), name="alertmanager"),
    path("search/", projections.SearchView.as_view(), name="search"),
    path("search/duplicates/", projections.DuplicatesView.as_view(), name="search-duplicates"),
    path("graph/risks/<str:code>/cascade/", projections.CascadeView.as_view(), name="graph-cascade"),
    path("graph/ranking/", projections.RankingView.as_view(), name="graph-ranking"),
    path("graph/components/<int:pk>/blast-radius/", projections.BlastRadiusView.as_view(), name="graph-blast-radius"),
    path("graph/incidents/<int:pk>/", projections.IncidentGraphView.as_view(), name="graph-incident"),
    path("", include(router.urls)),
]
