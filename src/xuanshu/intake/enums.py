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


class FileRefusal(models.TextChoices):
    """Why a file that came with a message was not kept as a photo or document."""

    NOT_IMAGE = "not_image", _("it is not a picture we can open; it may be damaged")
    UNSUPPORTED_FORMAT = "unsupported_format", _("its picture format is not accepted")
    TOO_MANY_PIXELS = "too_many_pixels", _("the picture has too many pixels")
    TOO_LARGE = "too_large", _("it is larger than the size limit")
    TOO_MANY_PHOTOS = "too_many_photos", _("the message has more photos than the limit")
    UNKNOWN_TYPE = "unknown_type", _("this kind of file is not kept (only photos and documents are)")
    NOT_FETCHED = "not_fetched", _("WeChat did not hand the file over")
    NOT_CONFIGURED = "not_configured", _("the WeChat account is not set up to fetch files; an administrator needs to configure it")
    UNREACHABLE = "unreachable", _("WeChat could not be reached, though we tried several times")
