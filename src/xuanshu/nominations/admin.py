from django.contrib import admin

from xuanshu.core.admin import AppendOnlyAdmin, masked_column
from xuanshu.nominations.models import Nomination


@admin.register(Nomination)
class NominationAdmin(AppendOnlyAdmin):
    """Read-only here: state and fields change only through the console's audited services.

    Contacts and personal numbers (resident ID, bank card, WeChat, QQ) are masked, the typed text included (citizens
    write them into the deeds): the console is where a permitted editor reveals them, logged.
    """

    list_display = ["reference", "masked_nominee_name", "nominee_kind", "category", "area", "channel", "state", "received_at"]
    list_filter = ["campaign", "state", "channel", "is_demo"]
    search_fields = ["reference", "nominee_name"]
    list_select_related = ["category", "area"]
    fields = [
        "campaign", "reference", "inbound", "channel", "received_at", "state", "masked_nominee_name", "nominee_kind",
        "category", "area", "masked_place_detail", "masked_deeds", "masked_nominator_name", "masked_phone",
        "masked_email", "consent_at", "is_demo", "created_at", "updated_at",
    ]
    readonly_fields = fields

    masked_nominee_name = masked_column("nominee_name", "nominee name")
    masked_place_detail = masked_column("place_detail", "place detail")
    masked_deeds = masked_column("deeds", "deeds")
    masked_nominator_name = masked_column("nominator_name", "nominator name")

    @admin.display(description="nominator phone")
    def masked_phone(self, nomination: Nomination) -> str:
        return nomination.masked_phone

    @admin.display(description="nominator e-mail")
    def masked_email(self, nomination: Nomination) -> str:
        return nomination.masked_email
