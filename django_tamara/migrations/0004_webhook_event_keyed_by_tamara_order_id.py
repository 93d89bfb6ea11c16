"""Key webhook events by Tamara's order id, so the intake stores a delivery with one INSERT.

The ``tamara_order_id`` column becomes the foreign key itself (to ``TamaraOrder.order_id``),
the old foreign key to the primary key goes, and three single-column indexes make way for one
composite index: every index is paid for by every delivery. Events of orders deleted
before this migration are deleted with them, as the new key would refuse them.
"""

import django.db.models.deletion
from django.db import migrations, models


def drop_orphan_events(apps, schema_editor):
    """Events whose order was deleted (the old key was SET_NULL) cannot satisfy the new key."""
    WebhookEvent = apps.get_model("django_tamara", "WebhookEvent")
    TamaraOrder = apps.get_model("django_tamara", "TamaraOrder")
    WebhookEvent.objects.exclude(tamara_order_id__in=TamaraOrder.objects.values("order_id")).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("django_tamara", "0003_admin_permissions_and_audit"),
    ]

    operations = [
        migrations.RemoveField(model_name="webhookevent", name="order"),
        migrations.RunPython(drop_orphan_events, migrations.RunPython.noop),
        migrations.RenameField(model_name="webhookevent", old_name="tamara_order_id", new_name="order"),
        migrations.AlterField(
            model_name="webhookevent",
            name="order",
            field=models.ForeignKey(
                db_column="tamara_order_id",
                on_delete=django.db.models.deletion.CASCADE,
                related_name="webhook_events",
                to="django_tamara.tamaraorder",
                to_field="order_id",
                verbose_name="order",
            ),
        ),
        migrations.AlterField(
            model_name="webhookevent",
            name="event_type",
            field=models.CharField(max_length=64, verbose_name="event type"),
        ),
        migrations.AlterField(
            model_name="webhookevent",
            name="state",
            field=models.CharField(
                choices=[("pending", "Pending"), ("done", "Done"), ("failed", "Failed"), ("ignored", "Ignored")],
                default="pending",
                max_length=16,
                verbose_name="state",
            ),
        ),
        migrations.AddIndex(
            model_name="webhookevent",
            index=models.Index(fields=["state", "received_at"], name="tamara_event_state_received"),
        ),
    ]
