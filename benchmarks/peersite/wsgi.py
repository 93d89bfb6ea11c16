"""The peer site's WSGI application, for gunicorn (``benchmarks.peersite.wsgi:application``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.peersite.settings")
application = get_wsgi_application()
