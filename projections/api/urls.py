"""The graph and search API routes (mounted under /api/v1/ by riskregister/api_urls.py)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from projections.api import views

router = SimpleRouter()

urlpatterns = [
    path("search/", views.SearchView.as_view(), name="search"),
    path("search/duplicates/", views.DuplicatesView.as_view(), name="search-duplicates"),
    path("graph/risks/<str:code>/cascade/", views.CascadeView.as_view(), name="graph-cascade"),
    path("graph/ranking/", views.RankingView.as_view(), name="graph-ranking"),
    path("graph/components/<int:pk>/blast-radius/", views.BlastRadiusView.as_view(), name="graph-blast-radius"),
    path("graph/incidents/<int:pk>/", views.IncidentGraphView.as_view(), name="graph-incident"),
]
