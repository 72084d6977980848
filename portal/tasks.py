from celery import shared_task
from django.db import connection

from cases.models import Campaign


@shared_task(name="portal.worker_heartbeat")
def worker_heartbeat() -> dict:
    """Answers from a worker with what it can reach: proves broker, worker and database wiring."""
    import socket

    return {"host": socket.gethostname(), "database": connection.vendor, "campaigns": Campaign.objects.count()}
