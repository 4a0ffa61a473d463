"""Reads of nominations: the review queue, its filters, the nominator's status lookup, and the console's pages."""
import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from xuanshu.campaigns.models import Area
from xuanshu.core.models import ActivityLog
from xuanshu.core.phones import last_four_digits
from xuanshu.intake.models import Attachment, InboundMessage
from xuanshu.nominations.models import Nomination, NominationNote
from xuanshu.nominations.search import fold, pinyin_term


@dataclass(frozen=True)
class QueueFilters:
    campaign_id: int | None = None
    channel: str = ""
    category_id: int | None = None
    state: str = ""
    area_id: int | None = None
    received_from: dt.datetime | None = None
    received_until: dt.datetime | None = None
    search: str = ""
    search_deeds: bool = False


def review_queue(filters: QueueFilters) -> QuerySet[Nomination]:
    """The filtered queue, newest first, with what a row shows loaded up front (no N+1).

    The campaign is not joined: with that join SQLite's planner starts from the campaign table and sorts
    every nomination of it instead of reading the date-ordered index.
    """
    queryset = Nomination.objects.select_related("category", "area").defer(
        "deeds", "nominator_email", "place_detail", "search_text", "search_deeds"
    )
    if filters.campaign_id:
        queryset = queryset.filter(campaign_id=filters.campaign_id)
    if filters.channel:
        queryset = queryset.filter(channel=filters.channel)
    if filters.category_id:
        queryset = queryset.filter(category_id=filters.category_id)
    if filters.state:
        queryset = queryset.filter(state=filters.state)
    if filters.area_id:
        queryset = queryset.filter(area_id=filters.area_id)
    if filters.received_from:
        queryset = queryset.filter(received_at__gte=filters.received_from)
    if filters.received_until:
        queryset = queryset.filter(received_at__lt=filters.received_until)
    if filters.search:
        term = filters.search.strip()
        if _REFERENCE.fullmatch(term):
            queryset = queryset.filter(reference=term.upper())
        else:
            # As a subquery, the text match is one table scan; inline, SQLite walks the date index instead and
            # fetches every row in date order (five times slower at 100k rows).
            matching = Nomination.objects.filter(_text_match(term, in_deeds=filters.search_deeds)).values("pk")
            queryset = queryset.filter(pk__in=matching)
    return queryset.order_by("-received_at", "-id")


_REFERENCE = re.compile(r"[A-Za-z][A-Za-z0-9]*-\d+")


def _text_match(term: str, *, in_deeds: bool) -> Q:
    """Names, nominator and place in either script, a nominee's name in pinyin, a county, a bare reference number.

    Text is matched against the folded search columns (simplified, lower case), never the fields as written,
    so 誌願者 finds 志愿者 and KTV finds ktv with one case-sensitive LIKE per column, the same on SQLite and
    PostgreSQL. The long deeds only when asked, as scanning them costs the most.
    """
    folded = fold(term)
    match = Q(search_text__contains=folded) | Q(area__in=Area.objects.filter(name__contains=folded).values("pk"))
    if in_deeds:
        # search_deeds holds a folded copy only where folding changed the deeds; elsewhere they are folded already.
        match |= Q(deeds__contains=folded) | Q(search_deeds__contains=folded)
    pinyin = pinyin_term(term)
    if pinyin:
        # By prefix, so the indexed columns could serve it alone; next to the LIKE above it is part of one scan.
        match |= Q(nominee_pinyin__startswith=pinyin) | Q(nominee_initials__startswith=pinyin)
    if folded.isascii() and folded.isdigit():
        # The number part of a reference, as people read it off a receipt: 000225, or 225 (numbered from 000001).
        match |= Q(reference__endswith=f"-{folded.zfill(6)}")
    return match


def nomination_by_reference(reference: str) -> Nomination | None:
    return Nomination.objects.select_related("campaign", "category").filter(reference=reference).first()


def nomination_for_status_lookup(*, reference: str, phone_last4: str = "", phone_e164: str = "") -> Nomination | None:
    """The nomination whose reference matches and whose nominator phone matches the last 4 digits given, or the whole
    number given (E.164); else None."""
    if not (phone_last4.strip() or phone_e164):
        return None
    nomination = (
        Nomination.objects.select_related("campaign", "category")
        .filter(reference=reference.strip().upper())
        .first()
    )
    if nomination is None or not nomination.nominator_phone:
        return None
    if phone_e164:
        return nomination if nomination.nominator_phone == phone_e164 else None
    return nomination if last_four_digits(nomination.nominator_phone) == phone_last4.strip() else None


def nominations_for_export(filters: QueueFilters) -> QuerySet[Nomination]:
    """The queue's rows with every exported column loaded (nothing deferred)."""
    return review_queue(filters).defer(None).select_related("campaign")


def nomination_for_console(reference: str) -> Nomination:
    """One nomination with its raw message, photos, kept files and notes loaded; raises Nomination.DoesNotExist."""
    return (
        Nomination.objects.select_related("campaign", "category", "area", "inbound")
        .prefetch_related(
            "inbound__attachments",
            "inbound__files",
            Prefetch("notes", queryset=NominationNote.objects.select_related("author")),
        )
        .get(reference=reference)
    )


def nomination_activity(nomination: Nomination) -> QuerySet[ActivityLog]:
    """The nomination's audit trail, newest first, with the acting users loaded."""
    return ActivityLog.objects.filter(
        subject_type=Nomination._meta.label_lower, subject_id=str(nomination.pk)
    ).select_related("actor")


def inbound_queue(*, status: str = "", channel: str = "") -> QuerySet[InboundMessage]:
    """Raw inbound messages, newest first, without their bodies; each row knows its nomination."""
    queryset = InboundMessage.objects.select_related("campaign", "nomination").defer("raw_body", "payload")
    if status:
        queryset = queryset.filter(status=status)
    if channel:
        queryset = queryset.filter(channel=channel)
    return queryset.order_by("-received_at", "-id")


def inbound_activity(inbound: InboundMessage) -> QuerySet[ActivityLog]:
    """The raw message's audit trail (processing, files, replies, a reused Message-ID), newest first, with the acting users loaded."""
    return ActivityLog.objects.filter(
        subject_type=InboundMessage._meta.label_lower, subject_id=str(inbound.pk)
    ).select_related("actor")


def inbound_for_console(inbound_id: int) -> InboundMessage:
    """One raw inbound message with its photos, kept files and nomination; raises InboundMessage.DoesNotExist."""
    return (
        InboundMessage.objects.select_related("campaign", "nomination")
        .prefetch_related("attachments", "files")
        .get(pk=inbound_id)
    )


def attachment_for_console(attachment_id: int) -> Attachment:
    """One stored attachment; raises Attachment.DoesNotExist."""
    return Attachment.objects.get(pk=attachment_id)
