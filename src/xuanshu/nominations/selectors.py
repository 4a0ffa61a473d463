"""Reads of nominations: the review queue, its filters, the nominator's status lookup, and the console's pages."""
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.db.models import Case, F, Prefetch, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from xuanshu.campaigns.models import Area, Campaign
from xuanshu.core.models import ActivityLog
from xuanshu.core.phones import last_four_digits, parse_cn_phone, to_e164
from xuanshu.intake.models import Attachment, InboundMessage
from xuanshu.nominations.dedup.selectors import open_suggestion_check
from xuanshu.nominations.enums import NominationState
from xuanshu.nominations.models import FollowUpMessage, Nomination, NominationNote
from xuanshu.nominations.references import read_typed_reference
from xuanshu.nominations.search import fold, pinyin_term


class QueueOrder(models.TextChoices):
    """The queue's sort orders, as the `sort` query parameter names them; anything else reads as NEWEST."""

    NEWEST = "newest", _("Newest received first")
    OLDEST = "oldest", _("Oldest received first")
    STATE = "state", _("By state, in review order")
    CATEGORY = "category", _("By category")
    NAME = "name", _("By nominee name (pinyin)")


# Within a state, a category or a name, newest first: the order every queue index ends in.
_NEWEST = (F("received_at").desc(), F("id").desc())
# States in the order a nomination goes through them (the order they are declared in), not by their codes.
_STATE_RANK = Case(*(When(state=state, then=Value(rank)) for rank, state in enumerate(NominationState.values)),
                   default=Value(len(NominationState.values)), output_field=models.IntegerField())
# An empty name (not yet read out of a free-text message) has no pinyin: such rows come last, not first.
_UNNAMED_LAST = Case(When(nominee_pinyin="", then=Value(1)), default=Value(0),
                     output_field=models.IntegerField())
_ORDERINGS = {
    QueueOrder.NEWEST: _NEWEST,
    QueueOrder.OLDEST: (F("received_at").asc(), F("id").asc()),
    QueueOrder.STATE: (_STATE_RANK.asc(), *_NEWEST),
    # The campaign file's order of categories; nominations without one last.
    QueueOrder.CATEGORY: (F("category__sort_order").asc(nulls_last=True), F("category_id").asc(nulls_last=True), *_NEWEST),
    # Pinyin without tones, as a dictionary orders names; the same pinyin (张伟, 章伟) grouped by its characters.
    QueueOrder.NAME: (_UNNAMED_LAST.asc(), F("nominee_pinyin").asc(), F("nominee_name").asc(), *_NEWEST),
}


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
    # Whether a search term that is a phone number or an e-mail address finds the nominator's: only for staff who may
    # see contacts, as trying numbers would otherwise tell who nominated whom.
    search_contacts: bool = False
    # Only nominations whose nominee has an open merge suggestion (dedup's notion: open_suggestion_check).
    possible_duplicates: bool = False
    order: str = QueueOrder.NEWEST


def review_queue(filters: QueueFilters, *, flag_duplicates: bool = True) -> QuerySet[Nomination]:
    """The filtered queue in the order asked (newest first by default), with what a row shows loaded up front (no N+1).

    Newest and oldest first are read straight off the indexes (backwards for oldest). The other orders sort the
    filtered rows in the database (a state's rank, a category's place, a name's pinyin, then newest first).

    The campaign is not joined: with that join SQLite's planner starts from the campaign table and sorts
    every nomination of it instead of reading the date-ordered index.

    With `flag_duplicates`, each row carries `possible_duplicate`: whether its nominee has an open merge suggestion,
    as one EXISTS per row read through indexes (no query per row). Filtered on it, the queue keeps the rows whose id
    is in one subquery the database reads once: an EXISTS per row would cost the count of 100k rows a second.
    """
    queryset = Nomination.objects.select_related("category", "area").defer(
        "deeds", "nominator_email", "place_detail", "search_text", "search_deeds"
    )
    duplicates = None
    if flag_duplicates or filters.possible_duplicates:
        duplicates = open_suggestion_check(campaign_id=filters.campaign_id)
    if flag_duplicates:
        # Filtered on it, every row is one: computed per row, it would be computed for every row before the sort.
        flag = Value(True) if filters.possible_duplicates else duplicates.flag()
        queryset = queryset.annotate(possible_duplicate=flag)
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
    if filters.possible_duplicates:
        queryset = queryset.filter(pk__in=duplicates.nomination_ids())
    if filters.search:
        term = filters.search.strip()
        references = _typed_references(term)
        contact = _typed_contact(term) if filters.search_contacts else None
        if references:
            queryset = queryset.filter(reference__in=references)
        elif contact is not None:
            queryset = queryset.filter(contact)
        else:
            # As a subquery, the text match is one table scan; inline, SQLite walks the date index instead and
            # fetches every row in date order (five times slower at 100k rows).
            matching = Nomination.objects.filter(_text_match(term, in_deeds=filters.search_deeds)).values("pk")
            queryset = queryset.filter(pk__in=matching)
    order = filters.order
    if (order == QueueOrder.STATE and filters.state) or (order == QueueOrder.CATEGORY and filters.category_id):
        order = QueueOrder.NEWEST  # one state or category chosen: the same rows, read off its index with no sort
    return queryset.order_by(*_ORDERINGS.get(order, _NEWEST))


_REFERENCE = re.compile(r"[A-Za-z][A-Za-z0-9]*-\d+")
# A term that may be a reference typed loosely, once read: letters and digits, a dash or none, digits.
_LOOSE_REFERENCE = re.compile(r"[A-Z][A-Z0-9]*-?\d+")


def _typed_references(term: str) -> list[str]:
    """The references a search term reads as, or [] for ordinary text.

    Typed exactly (CCLC2024-000003, any case), as it is. Typed loosely, read the way the public status lookup reads
    one (full width, a space or any dash, no dash after the prefix: see read_typed_reference), but only when it then
    starts with a campaign's prefix, so ordinary text that merely reads alike (G3 5) is still searched as text.
    """
    if _REFERENCE.fullmatch(term):
        return [term.upper()]
    if not _LOOSE_REFERENCE.fullmatch(read_typed_reference(term, prefix="").replace("-", "")):
        return []
    prefixes = set(Campaign.objects.values_list("reference_prefix", flat=True))
    references = {read_typed_reference(term, prefix=prefix) for prefix in prefixes}
    return sorted(
        reference for reference in references
        if _REFERENCE.fullmatch(reference) and reference.rsplit("-", 1)[0] in prefixes
    )


# A term typed as a phone number: digits with the spaces, dashes, brackets and + people write them with.
_PHONE_LIKE = re.compile(r"\+?[\d\s()-]{7,30}")


def _typed_contact(term: str) -> Q | None:
    """The nominator's phone (138 1234 5678, +86…, 0635-8451234, in full width too) or e-mail (any case) that a
    search term is, as a match; None for any other term."""
    term = unicodedata.normalize("NFKC", term).strip()
    if "@" in term:
        try:
            validate_email(term)
        except ValidationError:
            return None
        return Q(nominator_email__iexact=term)
    if not _PHONE_LIKE.fullmatch(term):
        return None
    number = parse_cn_phone(term)
    return Q(nominator_phone=to_e164(number)) if number is not None else None


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
    return review_queue(filters, flag_duplicates=False).defer(None).select_related("campaign")


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


def last_state_change(nomination: Nomination) -> ActivityLog | None:
    """The audit row of the nomination's latest state move (who moved it, and when), with its user; None if none."""
    moves = [f"nomination.{state}" for state in NominationState.values]
    return nomination_activity(nomination).filter(action__in=moves).first()


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


def nominations_with_masked_text(*, campaign: Campaign | None = None) -> QuerySet[Nomination]:
    """Nominations whose stored text has a masked digit (*) in it, by id: where an older storage redaction may have
    masked a number it now keeps whole (`services.restore_numbers_from_raw`)."""
    masked = Q(nominee_name__contains="*") | Q(place_detail__contains="*") | Q(deeds__contains="*") | Q(
        nominator_name__contains="*")
    nominations = Nomination.objects.filter(masked)
    if campaign is not None:
        nominations = nominations.filter(campaign=campaign)
    return nominations.order_by("pk")


def follow_ups_in_sent_order(nomination_id: int) -> QuerySet[FollowUpMessage]:
    """A nomination's follow-up messages in the order the citizen sent them (received), not the order they joined it:
    each joins as it is processed, and a task queue may process them in another order."""
    return FollowUpMessage.objects.filter(nomination_id=nomination_id).order_by("inbound__received_at", "inbound_id")
