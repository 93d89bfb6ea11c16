"""Signals a shop connects to, to hear about each real change of a Tamara order once.

Every signal is sent after the database transaction that recorded the change commits, with
``sender=TamaraOrder``, ``order`` (the :class:`~.models.TamaraOrder`) and ``transaction``
(the :class:`~.models.Capture`, :class:`~.models.Refund` or :class:`~.models.Cancellation`
row, or ``None``). A repeated webhook, a sync that finds nothing new, or an event that would
move the order backwards sends nothing.

    from django.dispatch import receiver
    from django_tamara import signals

    @receiver(signals.order_authorised)
    def mark_paid(sender, order, transaction, **kwargs):
        ShopOrder.objects.filter(number=order.order_reference_id).update(status="paid")
"""

from django.dispatch import Signal

order_approved = Signal()
order_declined = Signal()
order_authorised = Signal()
order_captured = Signal()
order_refunded = Signal()
order_canceled = Signal()
order_updated = Signal()  # partly canceled: the authorised amount went down
order_expired = Signal()

#: Any status change, whatever the status (``old_status`` and ``new_status`` are passed too).
order_status_changed = Signal()
