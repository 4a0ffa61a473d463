"""Production entry: the lean vote path in front of the full site.

    granian --interface asgi xuanshu.voting.asgi:application     (or any ASGI server)

`/v/…` is served on the event loop by `xuanshu.voting.lean`; every other request goes to Django's WSGI
application on a pool of threads (a2wsgi), so the console and the public pages keep Django's ordinary
synchronous request cycle and middleware. XUANSHU_SITE_THREADS sets the pool's size (default 16).
"""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xuanshu.settings")
_site = get_wsgi_application()

from a2wsgi import WSGIMiddleware  # noqa: E402

from xuanshu.voting.lean import VotePathRouter  # noqa: E402  (after Django is set up)

application = VotePathRouter(WSGIMiddleware(_site, workers=int(os.environ.get("XUANSHU_SITE_THREADS", "16"))))
