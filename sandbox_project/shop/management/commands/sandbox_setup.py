"""Prepare the sandbox for a first look: a demo admin user (admin / admin)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the sandbox's demo admin user (admin / admin) if it does not exist."

    def handle(self, *args, **options):
        User = get_user_model()
        if not User.objects.filter(username="admin").exists():
            User.objects.create_superuser("admin", "admin@example.com", "admin")
            self.stdout.write("Created the demo admin user: admin / admin")
        else:
            self.stdout.write("Demo admin user: admin / admin")
