"""The site's error pages (404, 403, CSRF failure) in the citizen's language, with a way back.

400 and 500 are Django's own views, rendering 400.html and 500.html without a request: those templates need
neither context processors nor the database. The API answers its own errors in its JSON shape.
"""
import re

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseForbidden, HttpResponseNotAllowed, HttpResponseNotFound
from django.template import loader
from django.urls import Resolver404, reverse
from django.utils.functional import Promise

# Messages written for people are translated: on this site they are Chinese. Django's own (the resolver's,
# get_object_or_404's "No Nominee matches the given query.") are English and for developers.
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def user_message(exception: BaseException | None) -> str:
    """The message `exception` carries for the person who asked, or "" when it has none meant for them."""
    if exception is None or isinstance(exception, Resolver404) or not exception.args:
        return ""
    message = exception.args[0]
    if not isinstance(message, str | Promise):
        return ""
    message = str(message)
    return message if _HAN.search(message) else ""


def _way_back(request: HttpRequest) -> dict:
    console = reverse("console:queue")
    if request.path.startswith(console):
        return {"home_url": console, "in_console": True}
    return {"home_url": reverse("public:home"), "in_console": False}


def page_not_found(request: HttpRequest, exception: Http404 | None = None, template_name: str = "404.html"):
    context = {"message": user_message(exception), **_way_back(request)}
    return HttpResponseNotFound(loader.render_to_string(template_name, context, request))


def permission_denied(request: HttpRequest, exception: PermissionDenied | None = None, template_name: str = "403.html"):
    context = {"message": user_message(exception), **_way_back(request)}
    return HttpResponseForbidden(loader.render_to_string(template_name, context, request))


class MethodNotAllowedPage:
    """Django answers a GET to a form's address (require_POST) with an empty 405: a blank page for someone who
    reopened or shared it. Give people a page that says what happened; the API and the vote endpoint keep
    their own replies (JSON), and the Allow header is kept."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        response = self.get_response(request)
        if response.status_code != 405 or response.content or request.path_info.startswith(("/api/", "/v/")):
            return response
        page = HttpResponseNotAllowed([], loader.render_to_string("405.html", _way_back(request), request))
        if response.has_header("Allow"):
            page["Allow"] = response["Allow"]
        return page


def csrf_failure(request: HttpRequest, reason: str = "", template_name: str = "403_csrf.html"):
    """settings.CSRF_FAILURE_VIEW: what to do next, instead of Django's page for developers."""
    return HttpResponseForbidden(loader.render_to_string(template_name, _way_back(request), request))
