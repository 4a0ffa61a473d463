from django.apps import AppConfig


class EmailChannelConfig(AppConfig):
    name = "xuanshu.intake.channels.email"
    label = "mailbox"
    verbose_name = "E-mail channel"

    def ready(self):
        from xuanshu.intake.channels.email.handlers import acknowledge_email_nomination, acknowledge_held_email_nomination
        from xuanshu.intake.signals import nomination_held
        from xuanshu.nominations.signals import nomination_created

        nomination_created.connect(acknowledge_email_nomination, dispatch_uid="mailbox.acknowledge_email_nomination")
        nomination_held.connect(acknowledge_held_email_nomination, dispatch_uid="mailbox.acknowledge_held_email_nomination")
