from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from monitoring.telemetry.exporter import metrics
from monitoring.telemetry.health import detailed as health_detailed
from riskregister.views import health

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include(("riskregister.api_urls", "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("health/", health, name="health"),
    path("health/detailed", health_detailed, name="health-detailed"),
    path("metrics", metrics, name="prometheus-metrics"),
]

handler404 = "riskregister.views.not_found"
handler500 = "riskregister.views.server_error"
