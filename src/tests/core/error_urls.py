"""The site's URLs, plus views that fail on purpose: for the error pages and the error log."""
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import path
from django.utils.translation import gettext_lazy

from xuanshu.urls import handler403, handler404  # noqa: F401  (the site's own handlers)
from xuanshu.urls import urlpatterns as site_urlpatterns

FAILURE_MESSAGE = "ledger out of step for +8613812345678 at redis://:hunter2-secret@10.0.0.5:6379/0"


def fails(request):
    raise RuntimeError(FAILURE_MESSAGE)


def forbidden(request):
    raise PermissionDenied


def lazily_missing(request):
    raise Http404(gettext_lazy("No such campaign."))


def developer_missing(request):
    raise Http404("No Nominee matches the given query.")


urlpatterns = [
    path("test-errors/fails/", fails),
    path("test-errors/forbidden/", forbidden),
    path("console/test-errors/forbidden/", forbidden),
    path("test-errors/lazily-missing/", lazily_missing),
    path("test-errors/developer-missing/", developer_missing),
    *site_urlpatterns,
]
