"""The vote path's own WSGI application: Django's request and response objects and the vote views, without
the page middleware (sessions, CSRF tokens, messages, authentication, locale negotiation, axes).

The vote needs none of them: the voter is a signed cookie, the page is in zh-hans, cross-site posts are
refused by the cookie's SameSite=Lax and an Origin check. `application` below serves `/v/…` through this
path and everything else through the full Django stack; the benchmark's no-op endpoint `/v/ping` goes
through exactly the same path as the vote.
"""
import logging
import re

from django.core import signals
from django.core.handlers.wsgi import WSGIRequest
from django.http import JsonResponse

log = logging.getLogger(__name__)


class LeanVoteApp:
    routes = None

    def _route(self, path: str):
        if self.routes is None:
            from xuanshu.public import voting_views

            LeanVoteApp.routes = [
                (re.compile(r"^/v/(?P<slug>[a-z0-9][a-z0-9\-]{1,78})/vote$"), voting_views.cast_vote),
                (re.compile(r"^/v/ping$"), voting_views.ping),
            ]
        for pattern, view in self.routes:
            match = pattern.match(path)
            if match:
                return view, match.groupdict()
        return None, None

    def __call__(self, environ, start_response):
        signals.request_started.send(sender=self.__class__, environ=environ)
        request = WSGIRequest(environ)
        view, kwargs = self._route(request.path_info)
        try:
            response = view(request, **kwargs) if view else JsonResponse({"error": "not found"}, status=404)
        except Exception:
            log.exception("vote path failed")
            response = JsonResponse({"error": "server error"}, status=500)
        response._resource_closers.append(request.close)
        headers = [*response.items(), *(("Set-Cookie", c.output(header="")) for c in response.cookies.values())]
        start_response(f"{response.status_code} {response.reason_phrase}", headers)
        return response  # its close() sends request_finished, which returns database connections


class VotePathDispatcher:
    """Send `/v/…` to the lean vote path and every other request to the full Django application."""

    def __init__(self, full_app):
        self.full_app = full_app
        self.lean_app = LeanVoteApp()

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO", "").startswith("/v/"):
            return self.lean_app(environ, start_response)
        return self.full_app(environ, start_response)
