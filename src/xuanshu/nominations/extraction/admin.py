from django.contrib import admin

from xuanshu.nominations.extraction.models import Extraction, Screening


@admin.register(Extraction)
class ExtractionAdmin(admin.ModelAdmin):
    """Read-only: extractions are written by the pipeline only. The text is not listed (it holds contacts)."""

    list_display = ["nomination", "version", "created_at"]
    fields = ["nomination", "version", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Screening)
class ScreeningAdmin(admin.ModelAdmin):
    list_display = ["nomination", "flagged", "screened_at"]
    list_filter = ["flagged"]
    fields = ["nomination", "flagged", "matches", "word_list", "screened_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
