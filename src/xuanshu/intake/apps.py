from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "xuanshu.intake"
    label = "intake"
