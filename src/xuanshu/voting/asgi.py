"""Production entry: the lean vote path in front of the full site.

    uvicorn xuanshu.voting.asgi:application     (or any ASGI server; `python -m xuanshu serve` runs it)

`/v/…` is served on the event loop by `xuanshu.voting.lean`; every other request goes to Django's WSGI
application on a pool of threads (a2wsgi), so the console and the public pages keep Django's ordinary
synchronous request cycle and middleware. XUANSHU_SITE_THREADS sets the pool's size (default 16).
"""
import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xuanshu.settings")
_site = get_wsgi_application()

from a2wsgi import WSGIMiddleware  # noqa: E402
from django.urls import get_resolver  # noqa: E402

from xuanshu.voting import backend  # noqa: E402  (after Django is set up)
from xuanshu.voting.lean import VotePathRouter  # noqa: E402

application = VotePathRouter(WSGIMiddleware(_site, workers=int(os.environ.get("XUANSHU_SITE_THREADS", "16"))))

# What the first requests would load anyway, loaded now so that it is frozen with the rest: the vote store's
# modules and the URL patterns.
backend.store()
get_resolver().reverse_dict  # noqa: B018  (populates the resolver)

# Everything loaded so far (Django, the apps, their modules, the URL patterns: some 330,000 objects) lives as
# long as the process. A full collection walks all of it, stalling the event loop and every vote on it for
# 20-30 ms; frozen, the collector skips it, and only what requests allocate is collected.
gc.freeze()
