from django.contrib.auth import views as auth_views
from django.urls import path

from xuanshu.console import dedup_views, intake_views, views, voting_views

app_name = "console"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(next_page="console:login"), name="logout"),
    path("export/", views.export, name="export"),
    path("nominations/<str:reference>/", views.nomination_detail, name="nomination"),
    path("nominations/<str:reference>/contact/", views.nomination_contact, name="nomination_contact"),
    path("nominations/<str:reference>/edit/", views.nomination_edit, name="nomination_edit"),
    path("nominations/<str:reference>/state/", views.nomination_state, name="nomination_state"),
    path("nominations/<str:reference>/notes/", views.nomination_note, name="nomination_note"),
    path("attachments/<int:attachment_id>/", views.attachment, name="attachment"),
    path("files/<int:file_id>/", views.kept_file, name="file"),
    path("inbound/", views.inbound_list, name="inbound_list"),
    path("inbound/<int:inbound_id>/", views.inbound_detail, name="inbound"),
    path("inbound/<int:inbound_id>/contact/", views.inbound_contact, name="inbound_contact"),
    path("inbound/<int:inbound_id>/raw/", views.inbound_raw_download, name="inbound_raw_download"),
    path("inbound/<int:inbound_id>/reprocess/", views.inbound_reprocess, name="inbound_reprocess"),
    path("hotline/", intake_views.hotline_call, name="hotline"),
    path("hotline/<str:reference>/", intake_views.hotline_logged, name="hotline_logged"),
    path("hotline/<str:reference>/sms/", intake_views.hotline_status_link_sms, name="hotline_status_link_sms"),
    path("tips/", intake_views.tips, name="tips"),
    path("tips/<int:tip_id>/", intake_views.tip_detail, name="tip"),
    path("tips/<int:tip_id>/convert/", intake_views.tip_convert, name="tip_convert"),
    path("tips/<int:tip_id>/archive/", intake_views.tip_archive, name="tip_archive"),
    path("voting/", voting_views.dashboard, name="voting"),
    path("voting/votes/", voting_views.cluster_votes, name="voting_votes"),
    path("voting/decide/", voting_views.decide, name="voting_decide"),
    path("voting/voter-fraud/", voting_views.voter_fraud, name="voting_voter_fraud"),
    path("voting/decisions/<int:decision_id>/reverse/", voting_views.reverse_vote_decision, name="voting_reverse"),
    path("voting/open-ballot/", voting_views.open_campaign_ballot, name="voting_open_ballot"),
]
urlpatterns += dedup_views.urlpatterns  # nominees: merge, split, undo
