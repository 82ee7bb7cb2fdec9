from django.db import connection
from django.http import JsonResponse


def health(request):
    """Liveness: the process answers and the database does. The detailed check comes with monitoring."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any database failure means unhealthy, whatever the driver raises
        return JsonResponse({"status": "unhealthy", "database": str(exc.__class__.__name__)}, status=503)
    return JsonResponse({"status": "healthy"})
