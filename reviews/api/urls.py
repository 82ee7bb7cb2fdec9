"""The reviews API routes (mounted under /api/v1/ by riskregister/api_urls.py)."""

from rest_framework.routers import SimpleRouter

from reviews.api.views import ReviewViewSet

router = SimpleRouter()
router.register("reviews", ReviewViewSet, basename="review")

urlpatterns: list = []
