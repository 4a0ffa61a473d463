from django.apps import AppConfig


class DedupConfig(AppConfig):
    name = "xuanshu.nominations.dedup"
    label = "dedup"
    verbose_name = "Nominee records and de-duplication"
