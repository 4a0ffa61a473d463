from django.apps import AppConfig


class DedupConfig(AppConfig):
    name = "xuanshu.nominations.dedup"
    label = "dedup"
    verbose_name = "Nominee records and de-duplication"

    def ready(self):
        from xuanshu.nominations import signals
        from xuanshu.nominations.dedup import receivers

        signals.nomination_created.connect(receivers.on_nomination_created, dispatch_uid="dedup.assign_on_create")
        signals.nomination_edited.connect(receivers.on_nomination_edited, dispatch_uid="dedup.reassess_on_edit")
