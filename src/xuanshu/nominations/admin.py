from django.contrib import admin

from xuanshu.core.admin import AppendOnlyAdmin
from xuanshu.nominations.models import Nomination


@admin.register(Nomination)
class NominationAdmin(AppendOnlyAdmin):
    """Read-only here: state and fields change only through the console's audited services."""

    list_display = ["reference", "nominee_name", "nominee_kind", "category", "area", "channel", "state", "received_at"]
    list_filter = ["campaign", "state", "channel", "is_demo"]
    search_fields = ["reference", "nominee_name"]
    exclude = ["nominator_phone", "nominator_email"]
    list_select_related = ["category", "area"]
