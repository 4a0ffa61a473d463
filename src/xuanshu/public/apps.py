from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "xuanshu.public"
    label = "public"

    def ready(self):
        from xuanshu.public import checks  # noqa: F401  (registers the public origin's start-up checks)
