from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "xuanshu.console"
    label = "console"
