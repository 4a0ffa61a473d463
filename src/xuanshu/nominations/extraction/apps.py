from django.apps import AppConfig


class ExtractionConfig(AppConfig):
    name = "xuanshu.nominations.extraction"
    label = "extraction"
    verbose_name = "Nomination text extraction"
