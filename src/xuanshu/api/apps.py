from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "xuanshu.api"
    label = "api"
    verbose_name = "Partner API"
