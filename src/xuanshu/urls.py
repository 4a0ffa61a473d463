from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("healthz", healthz),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("console/", include("xuanshu.console.urls")),
    path("intake/wechat/", include("xuanshu.intake.channels.wechat.urls")),
    path("api/", include("xuanshu.api.urls")),
    path("", include("xuanshu.public.urls")),
]
