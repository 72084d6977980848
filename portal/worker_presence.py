"""Noticing a worker that disappeared, so the task it was running runs again within a minute.

A worker killed as a whole (SIGKILL of its process group, the OOM killer, a lost machine) cannot
give back the message it was running: with acks_late the message waits in the Redis transport's
`unacked` hash until its visibility timeout, which must be longer than any task may run (an hour;
settings.CELERY_TASK_TIME_LIMIT), or a task still running would be handed to a second worker.

So every worker's main process writes, every HEARTBEAT_SECONDS, the delivery tags of the messages
it holds (reserved or running) to a key of its own that expires after PRESENCE_TTL_SECONDS. The
requeue job (portal.requeue_pending_work, every 20 seconds) puts back at the head of its queue
every unacknowledged message of this install's queue that was delivered more than
PRESENCE_TTL_SECONDS ago and that no present worker holds: its worker is gone. Recovery takes at
most PRESENCE_TTL_SECONDS + the job's interval (~35 s) plus the time a worker needs to start.
Tasks are safe to run twice; a worker that cannot reach Redis for longer than the TTL may see its
running task started again elsewhere, which is harmless.
"""

from __future__ import annotations

import json
import logging
import threading
import time

from celery.signals import worker_ready, worker_shutdown

logger = logging.getLogger("portal.worker_presence")

HEARTBEAT_SECONDS = 5
PRESENCE_TTL_SECONDS = 15
_stop = threading.Event()


def presence_key(queue: str, hostname: str) -> str:
    return f"portal:worker-presence:{queue}:{hostname}"


def _held_delivery_tags() -> list[str]:
    from celery.worker import state

    requests = state.requests.copy()  # a C-level copy: the consumer thread adds and removes meanwhile
    return sorted({request.message.delivery_tag for request in requests.values() if request.message is not None})


def _heartbeat(app, hostname: str, queues: list[str]) -> None:
    import redis

    client = redis.Redis.from_url(app.conf.broker_url, socket_connect_timeout=2, socket_timeout=2)
    while True:
        try:
            held = json.dumps(_held_delivery_tags())
            pipe = client.pipeline()
            for queue in queues:
                pipe.set(presence_key(queue, hostname), held, ex=PRESENCE_TTL_SECONDS)
            pipe.execute()
        except Exception as error:  # Redis away: the key lapses; the next beat writes it again
            logger.warning("worker presence not written (%s: %s)", type(error).__name__, error)
        if _stop.wait(HEARTBEAT_SECONDS):
            return


@worker_ready.connect(weak=False)
def _start_heartbeat(sender=None, **_kwargs):
    app = sender.app
    if app.conf.task_always_eager or not str(app.conf.broker_url).startswith(("redis://", "rediss://")):
        return
    queues = sorted(app.amqp.queues.consume_from or [app.conf.task_default_queue])
    _stop.clear()
    threading.Thread(target=_heartbeat, args=(app, sender.hostname, queues), name="portal-worker-presence",
                     daemon=True).start()


@worker_shutdown.connect(weak=False)
def _stop_heartbeat(**_kwargs):
    # The key is left to expire: a warm shutdown may still be finishing its tasks.
    _stop.set()


def restore_orphaned_messages(*, now: float | None = None) -> int:
    """Put back on the queue the messages of this install's queue held by no present worker
    (see the module docstring). Returns how many were put back."""
    from portal.celery import app

    queue = app.conf.task_default_queue
    ceiling = (now or time.time()) - PRESENCE_TTL_SECONDS
    with app.connection_for_write() as connection:
        channel = connection.default_channel
        client = channel.client
        held: set[str] = set()
        for key in client.scan_iter(match=presence_key(queue, "*"), count=100):
            held.update(json.loads(client.get(key) or "[]"))
        restored = 0
        for raw_tag in client.zrangebyscore(channel.unacked_index_key, "-inf", ceiling):
            tag = raw_tag.decode() if isinstance(raw_tag, bytes) else raw_tag
            if tag in held:
                continue
            entry = client.hget(channel.unacked_key, tag)
            if entry is None:  # acknowledged meanwhile
                continue
            _payload, _exchange, routing_key = json.loads(entry)
            if routing_key != queue:  # another install's or test run's queue on this Redis database
                continue
            channel.qos.restore_by_tag(tag, leftmost=True)
            logger.warning("message %s of queue %s held by no present worker: put back on the queue", tag, queue)
            restored += 1
    return restored
