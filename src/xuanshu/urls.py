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

# 400 and 500 keep Django's views, which render 400.html and 500.html (xuanshu.core's templates).
handler404 = "xuanshu.core.error_views.page_not_found"
handler403 = "xuanshu.core.error_views.permission_denied"
