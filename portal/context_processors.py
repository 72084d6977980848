from django.conf import settings


def portal(request):
    return {
        "DEMO_MODE": settings.DEMO_MODE,
        "lockout_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
