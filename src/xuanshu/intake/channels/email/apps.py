from django.apps import AppConfig


class EmailChannelConfig(AppConfig):
    name = "xuanshu.intake.channels.email"
    label = "mailbox"
    verbose_name = "E-mail channel"
