from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "xuanshu.campaigns"
    label = "campaigns"
