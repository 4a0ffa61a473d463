from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "xuanshu.public"
    label = "public"
