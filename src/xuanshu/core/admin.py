"""Django admin is an ops tool: superusers only, read-only audit trails, citizens' contacts and personal numbers
always masked.

Staff roles (viewer, editor, admin) work in the console, where contacts and personal numbers (resident ID, bank card,
WeChat, QQ) are masked by default and every unmasked view is logged. The admin has no such logged reveal, so it never
shows them unmasked, to anyone: it masks them as the console does (`redact_personal_data`).
"""
import json

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError

from xuanshu.core.models import ActivityLog, ContactAccessLog
from xuanshu.core.redaction import redact_personal_data


def ops_only(request) -> bool:
    """Only active superusers (ops) may use Django admin; staff accounts are for the console."""
    return request.user.is_active and request.user.is_superuser


class OpsAuthenticationForm(AdminAuthenticationForm):
    """The admin's sign-in refuses staff who are not superusers, with the same message as a wrong password."""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not user.is_superuser:
            raise ValidationError(
                self.error_messages["invalid_login"], code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


# The default site, restricted in place: every ModelAdmin is registered on it. (A settings change could name an
# AdminSite subclass as the admin app's default_site instead; settings.py is not this module's to change.)
admin.site.has_permission = ops_only
admin.site.login_form = OpsAuthenticationForm


def masked_text(value) -> str:
    """Stored text, or a JSON value pretty-printed, as the console shows it by default: e-mail addresses, phone-like
    numbers, resident ID, bank card, WeChat and QQ numbers masked."""
    if value is None:
        return ""
    if not isinstance(value, str):
        value = json.dumps(value, ensure_ascii=False, indent=2)
    return redact_personal_data(value)


def masked_column(attribute: str, description: str):
    """A read-only admin column showing `attribute` of the row with contacts and personal numbers masked (masked_text)."""

    @admin.display(description=description)
    def column(model_admin, row) -> str:
        return masked_text(getattr(row, attribute))

    return column


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
    """Old and new values and reasons are free text and may quote a contact: shown masked."""

    list_display = ["created_at", "actor", "actor_label", "action", "subject_type", "subject_id", "masked_reason"]
    list_filter = ["action", "subject_type"]
    search_fields = ["subject_id", "action", "reason"]
    fields = ["created_at", "actor", "actor_label", "action", "subject_type", "subject_id", "campaign",
              "masked_old_value", "masked_new_value", "masked_reason"]
    readonly_fields = fields

    masked_old_value = masked_column("old_value", "old value")
    masked_new_value = masked_column("new_value", "new value")
    masked_reason = masked_column("reason", "reason")


@admin.register(ContactAccessLog)
class ContactAccessLogAdmin(AppendOnlyAdmin):
    list_display = ["created_at", "user", "subject_type", "subject_id", "fields", "purpose", "ip_address"]
    list_filter = ["purpose"]
    search_fields = ["subject_id", "user__username"]
