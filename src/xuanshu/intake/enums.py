from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Channel(models.TextChoices):
    WEBFORM = "webform", _("Web form")
    WECHAT = "wechat", _("WeChat official account")
    EMAIL = "email", _("E-mail")
    API = "api", _("App tip station")
    HOTLINE = "hotline", _("Hotline")


class InboundStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    PROCESSED = "processed", _("Processed")
    FAILED = "failed", _("Failed")


# Processing may be re-run from any state: the raw record is the source of truth. A message that waits for
# another one (a follow-up whose opening message is not processed yet) stays pending until it is resumed.
INBOUND_TRANSITIONS = {
    InboundStatus.PENDING: {InboundStatus.PROCESSED, InboundStatus.FAILED, InboundStatus.PENDING},
    InboundStatus.FAILED: {InboundStatus.PROCESSED, InboundStatus.FAILED, InboundStatus.PENDING},
    InboundStatus.PROCESSED: {InboundStatus.PROCESSED, InboundStatus.FAILED},
}


class NominationWindow(models.TextChoices):
    """Where a moment falls against a campaign's nomination stage."""

    OPEN = "open", _("Nominations are open")
    NOT_YET_OPEN = "not_yet_open", _("Nominations were not yet open")
    CLOSED = "closed", _("Nominations were closed")


class TipState(models.TextChoices):
    OPEN = "open", pgettext_lazy("reader tip state", "Open")
    CONVERTED = "converted", _("Converted into a nomination")
    ARCHIVED = "archived", _("Archived")


TIP_TRANSITIONS = {
    TipState.OPEN: {TipState.CONVERTED, TipState.ARCHIVED},
    TipState.ARCHIVED: {TipState.OPEN},
    TipState.CONVERTED: set(),
}
