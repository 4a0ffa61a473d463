from django.contrib import admin

from xuanshu.core.models import ActivityLog, ContactAccessLog


class AppendOnlyAdmin(admin.ModelAdmin):
    """Audit trails can be read, never edited or deleted."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ActivityLog)
class ActivityLogAdmin(AppendOnlyAdmin):
    list_display = ["created_at", "actor", "actor_label", "action", "subject_type", "subject_id", "reason"]
    list_filter = ["action", "subject_type"]
    search_fields = ["subject_id", "action", "reason"]


@admin.register(ContactAccessLog)
class ContactAccessLogAdmin(AppendOnlyAdmin):
    list_display = ["created_at", "user", "subject_type", "subject_id", "fields", "purpose", "ip_address"]
    list_filter = ["purpose"]
    search_fields = ["subject_id", "user__username"]
