from django.urls import include, path
from rest_framework.routers import DefaultRouter
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from incidents.api.receiver import AlertmanagerReceiver
from incidents.api.views import IncidentViewSet
from monitoring.api.views import AlertRuleViewSet, AlertViewSet, MetricViewSet, ReadingBatchView
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
    path("", include(router.urls)),
]
