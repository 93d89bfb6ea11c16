from django.db import models


class RawDelivery(models.Model):
    """What a bare view stores of a delivery: the least a Django process that persists it does."""

    body = models.TextField()
    received_at = models.DateTimeField(auto_now_add=True)
