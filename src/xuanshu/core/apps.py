from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "xuanshu.core"
    label = "core"
    verbose_name = "xuanshu core"
