from django.apps import AppConfig


class ExtractionConfig(AppConfig):
    name = "xuanshu.nominations.extraction"
    label = "extraction"
    verbose_name = "Nomination text extraction"

    def ready(self):
        from xuanshu.nominations import signals
        from xuanshu.nominations.extraction.hooks import on_nomination_created, on_nomination_edited

        signals.nomination_created.connect(on_nomination_created, dispatch_uid="extraction.on_nomination_created")
        signals.nomination_edited.connect(on_nomination_edited, dispatch_uid="extraction.on_nomination_edited")
