"""Input and output schemas of the partner API (pydantic, through django-ninja)."""
from typing import Annotated, Literal

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import AfterValidator, ConfigDict, Field

from xuanshu.core.phones import parse_cn_phone

MAX_CONTENT_LENGTH = 10_000


def _no_nul(value: str | None) -> str | None:
    # The database's text columns cannot hold NUL, and no person types one. The messages are read in the request's
    # language: validation runs while the request is handled.
    if value is not None and "\x00" in value:
        raise ValueError(_("Must not contain NUL characters."))
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError(_("Must not be blank."))
    return value


def _cn_phone_or_empty(value: str | None) -> str | None:
    if value and parse_cn_phone(value) is None:
        raise ValueError(_("Enter a valid mainland mobile number or a landline with area code."))
    return value


TipId = Annotated[str, Field(max_length=64, pattern=r"^[!-~]*$", description="The tip's id in the partner's system (printable ASCII)."),
                  AfterValidator(_no_nul)]
Tag = Annotated[str, Field(max_length=50, description="The tag the app user chose, e.g. 推荐出彩聊城人."), AfterValidator(_no_nul)]
Content = Annotated[str, Field(min_length=1, max_length=MAX_CONTENT_LENGTH, description="The tip as the user wrote it."),
                    AfterValidator(_no_nul), AfterValidator(_not_blank)]
ContactName = Annotated[str, Field(max_length=100, description="The user's name as they gave it."), AfterValidator(_no_nul)]
ContactPhone = Annotated[str, Field(max_length=40, description="A mainland mobile, or a landline with area code."),
                         AfterValidator(_no_nul), AfterValidator(_cn_phone_or_empty)]
CampaignSlug = Annotated[str, Field(max_length=80, pattern=r"^[-a-zA-Z0-9_]*$",
                                    description="The campaign's slug; optional when the partner key is bound to one campaign.")]
AppUserId = Annotated[str, Field(max_length=64, description="The user's id in the partner app."), AfterValidator(_no_nul)]


class ContactIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: ContactName | None = None
    phone: ContactPhone | None = None


class TipIn(Schema):
    """A tip sent as `application/json`; the body is kept byte for byte."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "tip_id": "qlyd-20240611-000123",
        "tag": "推荐出彩聊城人",
        "content": "推荐东昌府区古楼街道的张桂芳，二十年如一日照顾瘫痪在床的婆婆，还常年义务为社区老人理发。",
        "contact": {"name": "李明", "phone": "13812341234"},
        "campaign": "chucai-liaocheng-2024",
        "app_user_id": "u8812345",
    }]})

    tip_id: TipId | None = None
    tag: Tag | None = None
    content: Content
    contact: ContactIn | None = None
    campaign: CampaignSlug | None = None
    app_user_id: AppUserId | None = None


class TipForm(Schema):
    """A tip sent as `multipart/form-data` with images; the contact is flat (contact_name, contact_phone)."""

    model_config = ConfigDict(extra="forbid")

    tip_id: TipId = ""
    tag: Tag = ""
    content: Content
    contact_name: ContactName = ""
    contact_phone: ContactPhone = ""
    campaign: CampaignSlug = ""
    app_user_id: AppUserId = ""


class TipReceipt(Schema):
    inbound_id: int = Field(description="Our id of the stored tip.")
    is_nomination: bool = Field(description="The tag or the text carries the campaign keyword.")
    reference: str | None = Field(description="A nomination's reference number (e.g. CCLC2024-000123), for the user to keep.")
    status_path: str | None = Field(description="URL path of the public status lookup for a nomination.")
    status_url: str | None = Field(
        None,
        description="The nomination's own status page, a full https address to show or open in the app: it needs no "
                    "phone digits and no lookup. Null for a tip, and when the public site's origin is not configured "
                    "(then use status_link_path). The same on every retry of the request.",
    )
    status_link_path: str | None = Field(
        None,
        description="URL path of the nomination's own status page (signed, so it needs no phone digits), to join to the "
                    "public site's origin when status_url is null. Null for a tip.",
    )
    held_because: Literal["not_yet_open", "closed"] | None = Field(
        description="Set when the tip nominates someone outside the campaign's nomination period: it was kept as a tip "
                    "for the editors, not registered as a nomination, because nominations were not yet open or were closed.",
    )
    notice: str | None = Field(
        description="When held_because is set: the message to show the user (in the language of Accept-Language).",
    )


class ErrorDetail(Schema):
    loc: list[str | int] = Field(description="Where the problem is: a field path such as [\"contact\", \"phone\"], "
                                             "or [\"body\"] for the request body as a whole.")
    code: str = Field(description="Stable, for programs. For schema errors, pydantic's error type: missing, extra_forbidden, "
                                  "string_type, string_too_long, string_too_short, string_pattern_mismatch, "
                                  "model_attributes_type, value_error.")
    message: str = Field("", description="For the developer, in the language of Accept-Language, like the error's message.")


class ErrorInfo(Schema):
    code: str = Field(description="Stable, for programs: e.g. bad_signature, stale_timestamp, validation_error.")
    message: str = Field(description="For the developer, in the language of Accept-Language (zh-hans by default).")
    details: list[ErrorDetail] = []


class ErrorOut(Schema):
    error: ErrorInfo
