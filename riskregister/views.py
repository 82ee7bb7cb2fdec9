from django.db import connection
from django.http import JsonResponse
from django.views import defaults


def health(request):
    """Liveness: the process answers and the database does. The detailed check comes with monitoring."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any database failure means unhealthy, whatever the driver raises
        return JsonResponse({"status": "unhealthy", "database": str(exc.__class__.__name__)}, status=503)
    return JsonResponse({"status": "healthy"})


# Django answers a URL that matches no route (and an unhandled error) with an HTML page; a client of
# the API gets JSON like every other answer there, as the schema says.
def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception):
    if _is_api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        return JsonResponse({"detail": "Server error."}, status=500)
    return defaults.server_error(request)
