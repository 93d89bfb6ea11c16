"""Prepare the sandbox for a first look: a demo admin user (admin / admin) and the demo products.

Safe to run again (scripts/sandbox.sh runs it on every start): nothing is duplicated, and the
credentials are printed each time so they are on screen when the shop starts.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from sandbox_project.shop.demo import load_demo_products

USERNAME = "admin"
PASSWORD = "admin"


class Command(BaseCommand):
    help = "Create the demo admin user (admin / admin) if missing and load the demo products."

    def handle(self, *args, **options):
        User = get_user_model()
        if not User.objects.filter(username=USERNAME).exists():
            User.objects.create_superuser(USERNAME, "admin@example.com", PASSWORD)
            self.stdout.write(f"Created the demo admin user: {USERNAME} / {PASSWORD}")
        else:
            self.stdout.write(f"Demo admin user: {USERNAME} / {PASSWORD}")
        count = load_demo_products()
        self.stdout.write(f"Demo products loaded: {count} (SAR)")
