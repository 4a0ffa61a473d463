from django.urls import path

from xuanshu.intake.channels.wechat import views

app_name = "wechat"
urlpatterns = [
    path("<slug:slug>/", views.callback, name="callback"),
]
