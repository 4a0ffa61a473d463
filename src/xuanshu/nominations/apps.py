from django.apps import AppConfig


class NominationsConfig(AppConfig):
    name = "xuanshu.nominations"
    label = "nominations"

    def ready(self):
        from django.db.models.signals import post_migrate

        from xuanshu.nominations.roles import ensure_roles

        post_migrate.connect(ensure_roles, sender=self)
