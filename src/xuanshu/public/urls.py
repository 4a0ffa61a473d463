from django.urls import path

from xuanshu.public import views

app_name = "public"
urlpatterns = [
    path("", views.home, name="home"),
    path("c/<slug:slug>/", views.campaign_page, name="campaign"),
    path("c/<slug:slug>/nominate/", views.nominate, name="nominate"),
    path("c/<slug:slug>/nominate/thanks/<str:token>/", views.nominate_thanks, name="nominate_thanks"),
    path("c/<slug:slug>/status/", views.status_lookup, name="status"),
    path("c/<slug:slug>/status/<str:token>/", views.status_by_link, name="status_link"),
]
