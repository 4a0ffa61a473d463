"""WSGI entry for production: the lean vote path in front of the full site.

    gunicorn xuanshu.voting.wsgi:application     (or granian --interface wsgi xuanshu.voting.wsgi:application)
"""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xuanshu.settings")
_full = get_wsgi_application()

from xuanshu.voting.lean import VotePathDispatcher  # noqa: E402  (after Django is set up)

application = VotePathDispatcher(_full)
