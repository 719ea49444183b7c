"""The transactional outbox: how a lower app makes a higher one react without importing it.

``emit(topic, ids, division_code)`` writes, inside the caller's transaction, one row per id
for each consumer that ``EVERYCHILD_OUTBOX`` subscribes to the topic; after commit a task
delivers them promptly, and every tick delivers whatever is left (a worker that was down, a
failed handler). ``deliver()`` hands each consumer its rows in batches, oldest first, and
deletes a batch in the same transaction as the handler's work: a batch is handled once, or
not at all and again later. Handlers must be idempotent (they get ids, and re-read state).

Settings::

    EVERYCHILD_OUTBOX = {"child.changed": ["visits.plans"]}
    EVERYCHILD_OUTBOX_CONSUMERS = {"visits.plans": "everychild.visits.jobs.refresh_plans"}
"""

import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from everychild.core.models import OutboxEvent

logger = logging.getLogger(__name__)

BATCH = 500


def consumers_of(topic: str) -> list[str]:
    return list(getattr(settings, "EVERYCHILD_OUTBOX", {}).get(topic, []))


def rows_for(topic: str, ids: Iterable[Any], division_codes: Iterable[str]) -> list[dict]:
    """The outbox rows of ``emit`` as dicts (for bulk writers that COPY them)."""
    pairs = list(zip(ids, division_codes, strict=True))
    return [{"consumer": consumer, "topic": topic, "object_id": str(object_id),
             "division_code": code}
            for consumer in consumers_of(topic) for object_id, code in pairs]


def emit(topic: str, ids: Iterable[Any], division_code: str) -> int:
    """Tell the topic's consumers that these objects (of one division) changed."""
    ids = list(ids)
    return emit_each(topic, ids, [division_code] * len(ids))


def emit_each(topic: str, ids: Iterable[Any], division_codes: Iterable[str]) -> int:
    """``emit`` for objects of several divisions (one code per id)."""
    rows = [OutboxEvent(**row) for row in rows_for(topic, ids, division_codes)]
    if not rows:
        return 0
    OutboxEvent.objects.bulk_create(rows)
    transaction.on_commit(deliver_soon)
    return len(rows)


def deliver_soon() -> None:
    from everychild.core.tasks import deliver_outbox

    try:
        deliver_outbox.enqueue()
    except Exception:  # the tick delivers it anyway
        logger.warning("could not enqueue the outbox delivery", exc_info=True)


def _handler(consumer: str) -> Callable[[list[str]], object]:
    return import_string(settings.EVERYCHILD_OUTBOX_CONSUMERS[consumer])


def deliver(consumer: str | None = None, limit: int | None = None) -> int:
    """Hand pending rows to their consumers; returns how many rows were handled."""
    names = [consumer] if consumer else list(getattr(settings, "EVERYCHILD_OUTBOX_CONSUMERS", {}))
    done = 0
    for name in names:
        handler = _handler(name)
        while limit is None or done < limit:
            with transaction.atomic():
                batch = list(OutboxEvent.objects.filter(consumer=name).order_by("id")
                             .select_for_update(skip_locked=True)  # PostgreSQL: no double work
                             .values_list("id", "object_id")[:BATCH])
                if not batch:
                    break
                handler(list(dict.fromkeys(object_id for _pk, object_id in batch)))
                OutboxEvent.objects.filter(pk__in=[pk for pk, _id in batch]).delete()
            done += len(batch)
    return done
