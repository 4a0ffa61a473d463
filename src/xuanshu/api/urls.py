from django.urls import path, re_path

from xuanshu.api.views import api, not_found

urlpatterns = [
    path("v1/", api.urls),
    re_path(r"^.*$", not_found),
]
