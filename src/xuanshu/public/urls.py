from django.urls import path

from xuanshu.public import views, voting_views

app_name = "public"
urlpatterns = [
    path("", views.home, name="home"),
    path("c/<slug:slug>/", views.campaign_page, name="campaign"),
    path("c/<slug:slug>/nominate/", views.nominate, name="nominate"),
    path("c/<slug:slug>/nominate/thanks/<str:token>/", views.nominate_thanks, name="nominate_thanks"),
    path("c/<slug:slug>/status/", views.status_lookup, name="status"),
    path("c/<slug:slug>/status/<str:token>/", views.status_by_link, name="status_link"),
    path("c/<slug:slug>/vote/", voting_views.ballot, name="vote"),
    path("c/<slug:slug>/candidates/", voting_views.candidate_gallery, name="candidates"),
    path("c/<slug:slug>/candidates/<int:number>/", voting_views.candidate_profile, name="candidate"),
    path("c/<slug:slug>/candidates/<int:number>/photo.jpg", voting_views.candidate_photo, name="candidate_photo"),
    path("c/<slug:slug>/vote/sms/", voting_views.sms_code, name="vote_sms"),
    path("c/<slug:slug>/vote/device/", voting_views.device_check, name="vote_device"),
    path("c/<slug:slug>/vote/device/<str:challenge>.png", voting_views.captcha_image, name="vote_captcha"),
    path("c/<slug:slug>/vote/wechat/", voting_views.wechat_start, name="vote_wechat"),
    path("c/<slug:slug>/vote/wechat/callback/", voting_views.wechat_callback, name="vote_wechat_callback"),
    path("v/<slug:slug>/vote", voting_views.cast_vote, name="vote_cast"),  # also served by xuanshu.voting.lean
    path("v/ping", voting_views.ping, name="vote_ping"),
]
