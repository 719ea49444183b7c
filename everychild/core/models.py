"""Rows the core keeps for every app: the outbox."""

from django.db import models


class OutboxEvent(models.Model):
    """Something a lower app changed that a higher app must react to (architecture notes:
    a lower app never imports a higher one). Written in the changing transaction, one row per
    consumer subscribed to the topic, and deleted once that consumer has handled it."""

    id = models.BigAutoField(primary_key=True)
    consumer = models.CharField(max_length=40)
    topic = models.CharField(max_length=40)
    object_id = models.CharField(max_length=64)
    division_code = models.CharField(max_length=12)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["consumer", "id"], name="outbox_consumer_id")]
