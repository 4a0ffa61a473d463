from django.apps import AppConfig


class VotingConfig(AppConfig):
    name = "xuanshu.voting"
    label = "voting"
    verbose_name = "Public online voting"
