"""The audit trail as editors read it: actions, who acted, old and new values and match reasons in their language.

The audit rows keep language-neutral codes (`nomination.needs_info`, `{"state": "in_review"}`, `same_name`);
this module turns them into words at display time, so a translation fix shows on every past row too.
Codes it does not know are shown as they are. A citizen's text in an old or new value (the deeds before a
correction) has its resident ID, bank card, WeChat and QQ numbers masked, as the fields themselves are.
"""
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import TextChoices
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xuanshu.campaigns.enums import NomineeKind
from xuanshu.console.redaction import CITIZEN_TEXT_FIELDS
from xuanshu.core.models import ActivityLog, ContactAccessLog
from xuanshu.core.redaction import redact_identifiers, redact_personal_data
from xuanshu.intake.enums import Channel, FileRefusal, InboundStatus, TipState
from xuanshu.nominations.dedup.models import SuggestionState
from xuanshu.nominations.dedup.reasons import describe
from xuanshu.nominations.enums import NominationState
from xuanshu.voting.enums import DecisionAction

# Every fixed action code the code base writes (grep record_activity, record_activities).
ACTION_LABELS = {
    "nomination.create": gettext_lazy("Nomination received"),
    "nomination.edit": gettext_lazy("Fields corrected"),
    "nomination.reextract": gettext_lazy("Re-read with the current extraction rules"),
    "nomination.note": gettext_lazy("Note added"),
    "nomination.follow_up": gettext_lazy("Follow-up message added"),
    "nomination.follow_up_absorbed": gettext_lazy("Read again with the text of its follow-up messages"),
    "nomination.mask_contacts": gettext_lazy("Contacts in the text masked"),
    "nomination.restore_numbers": gettext_lazy("ID, bank card and QQ numbers masked by older rules put back from the raw message"),
    "nomination.status_link_sms": gettext_lazy("Status link sent by text message"),
    "nomination.status_link_sms_failed": gettext_lazy("Status link text message failed"),
    "nomination.nominee_merge": gettext_lazy("Its nominee was merged with another"),
    "nomination.nominee_split": gettext_lazy("Split off into a nominee of its own"),
    "nomination.nominee_undo_merge": gettext_lazy("Nominee merge undone"),
    "nomination.nominee_undo_split": gettext_lazy("Split undone"),
    "nominee.create": gettext_lazy("Nominee record created"),
    "nominee.auto_link": gettext_lazy("Nomination linked automatically"),
    "nominee.auto_merge": gettext_lazy("Nominations linked by the bulk duplicate check"),
    "nominee.merge": gettext_lazy("Nominees merged"),
    "nominee.split": gettext_lazy("Nomination split off"),
    "nominee.undo_merge": gettext_lazy("Nominee merge undone"),
    "nominee.undo_split": gettext_lazy("Split undone"),
    "nominee.suggestion_dismiss": gettext_lazy("Merge suggestion dismissed: not the same nominee"),
    "dedup.run": gettext_lazy("Duplicate check run"),
    "inbound.attachment": gettext_lazy("Photo stored"),
    "inbound.file": gettext_lazy("File stored"),
    "inbound.file_refused": gettext_lazy("File could not be used"),
    "inbound.wait": gettext_lazy("Waiting for an earlier message"),
    "inbound.message_id_reused": gettext_lazy("Same Message-ID as another, different e-mail: kept as a message of its own"),
    "tip.create": gettext_lazy("Tip received"),
    "campaign.create": gettext_lazy("Campaign created"),
    "campaign.update": gettext_lazy("Campaign updated"),
    "partner.add": gettext_lazy("Partner added"),
    "partner.revoke": gettext_lazy("Partner access revoked"),
    "mailbox.create": gettext_lazy("Mailbox added"),
    "mailbox.update": gettext_lazy("Mailbox updated"),
    "mailbox.resync": gettext_lazy("Mailbox synchronised again"),
    "wechat_account.create": gettext_lazy("WeChat account added"),
    "wechat_account.update": gettext_lazy("WeChat account updated"),
    "email.reply_sending": gettext_lazy("Reply e-mail being sent"),
    "email.reply_sent": gettext_lazy("Reply e-mail sent"),
    "email.reply_failed": gettext_lazy("Reply e-mail failed"),
    "email.reply_skipped": gettext_lazy("Reply e-mail skipped"),
    "voting.open_ballot": gettext_lazy("Ballot opened"),
    "voting.repair_tallies": gettext_lazy("Vote tallies repaired"),
}

# Codes built from a state: `<prefix><value>`, with the label the value has in its choices.
STATE_ACTIONS: list[tuple[str, type[TextChoices], Any]] = [
    ("nomination.", NominationState, gettext_lazy("State changed to “%(state)s”")),
    ("tip.", TipState, gettext_lazy("Tip state changed to “%(state)s”")),
    ("inbound.", InboundStatus, gettext_lazy("Processing: %(state)s")),
    ("vote.", DecisionAction, gettext_lazy("Vote decision: %(state)s")),
]

# The keys of old and new values, as field names an editor knows.
FIELD_LABELS = {
    "state": gettext_lazy("State"),
    "status": gettext_lazy("Status"),
    "error": gettext_lazy("Error"),
    "waiting_for": gettext_lazy("Waiting for message"),
    "inbound": gettext_lazy("Raw message"),
    "follow_ups": gettext_lazy("Follow-up messages read"),
    "attachment": gettext_lazy("Photo"),
    "file": gettext_lazy("File"),
    "note": gettext_lazy("Note"),
    "nomination": gettext_lazy("Nomination"),
    "nominations": gettext_lazy("Nominations"),
    "matched": gettext_lazy("Matched nomination"),
    "nominee": gettext_lazy("Nominee record"),
    "left": gettext_lazy("Left nominee record"),
    "other": gettext_lazy("Other nominee record"),
    "merged_in": gettext_lazy("Nominee record merged in"),
    "separated": gettext_lazy("Nominee record separated again"),
    "name": gettext_lazy("Name"),
    "reason": gettext_lazy("Reason"),
    "content_type": gettext_lazy("File type"),
    "size": gettext_lazy("Size in bytes"),
    "kind": gettext_lazy("Kind"),
    "score": gettext_lazy("Similarity"),
    "reasons": gettext_lazy("Reasons"),
    "joined": gettext_lazy("Nominations linked"),
    "change": gettext_lazy("Change"),
    "masked": gettext_lazy("Masked in"),
    "channel": gettext_lazy("Channel"),
    "nominee_name": gettext_lazy("Nominee"),
    "nominee_kind": gettext_lazy("Kind"),
    "category": gettext_lazy("Category"),
    "area": gettext_lazy("County"),
    "place_detail": gettext_lazy("Place"),
    "deeds": gettext_lazy("Deeds"),
    "nominator_name": gettext_lazy("Nominator"),
    "nominator_phone": gettext_lazy("Nominator's phone"),
    "nominator_email": gettext_lazy("Nominator's e-mail"),
    "message_id": gettext_lazy("Message-ID"),
    "same_message_id": gettext_lazy("Other messages with this Message-ID"),
    "sent_to": gettext_lazy("Sent to"),
    "caller_agreed": gettext_lazy("Caller agreed"),
    "sender": gettext_lazy("SMS sender"),
    "message": gettext_lazy("Message id"),
}

# Keys that mean something else under some actions: a kept or refused file's "name" is its file name.
ACTION_FIELD_LABELS = {
    action: {"name": gettext_lazy("File name")}
    for action in ("inbound.attachment", "inbound.file", "inbound.file_refused")
}

# An e-mail acknowledgement's status (intake.channels.email.models.ReplyStatus, whose labels are its codes) and why
# one was not sent (intake.channels.email.replies), as the rows of `email.reply_*` hold them.
REPLY_STATUS_LABELS = {
    "sending": gettext_lazy("Being sent"),
    "sent": gettext_lazy("Sent"),
    "failed": gettext_lazy("Sending failed"),
    "skipped": gettext_lazy("Not sent"),
}
REPLY_SKIP_REASONS = {
    "auto_submitted": gettext_lazy("The mail was sent automatically (Auto-Submitted)"),
    "auto_reply_header": gettext_lazy("The mail is an automatic reply"),
    "precedence": gettext_lazy("The mail is bulk mail"),
    "mailing_list": gettext_lazy("The mail came from a mailing list"),
    "bounce": gettext_lazy("The mail is a delivery failure notice"),
    "no_address": gettext_lazy("The mail has no address to reply to"),
    "robot_sender": gettext_lazy("The sender is a system address (such as noreply)"),
    "own_address": gettext_lazy("The mail came from our own mailbox"),
    "demo_data": gettext_lazy("Demo data: no reply is sent"),
    "daily_limit": gettext_lazy("Too many replies have gone to this address today"),
}
ACTION_VALUE_LABELS = {
    f"email.reply_{status}": {"status": REPLY_STATUS_LABELS, "reason": REPLY_SKIP_REASONS} for status in REPLY_STATUS_LABELS
}

# Keys whose values are choice codes, per subject (ActivityLog.subject_type), and on every subject.
VALUE_CHOICES: dict[str, dict[str, type[TextChoices]]] = {
    "nominations.nomination": {"state": NominationState},
    "dedup.nominee": {"state": SuggestionState},
    "intake.tip": {"state": TipState},
    "intake.inboundmessage": {"status": InboundStatus, "reason": FileRefusal},
}
COMMON_CHOICES: dict[str, type[TextChoices]] = {"nominee_kind": NomineeKind, "kind": NomineeKind, "channel": Channel}

# Keys holding a record's id, shown as #id.
ID_KEYS = {"inbound", "follow_ups", "attachment", "file", "nominee", "left", "other", "merged_in", "separated", "change", "waiting_for", "note", "same_message_id"}

# Reasons the code itself writes (in English, language-neutral); an editor's reason is shown as written.
SYSTEM_REASONS = {
    "no longer matches its nominee after an edit": gettext_lazy("No longer matches its nominee after an edit"),
    "matched automatically by the bulk run": gettext_lazy("Matched automatically by the bulk duplicate check"),
    "Contacts typed into the text are masked; the raw message keeps them.": gettext_lazy(
        "Contacts typed into the text are masked; the raw message keeps them."
    ),
    "sent just before the sender's nomination, and added to it": gettext_lazy("Sent just before the sender's nomination, and added to it"),
}

ACTOR_LABELS = {
    "system": gettext_lazy("System"),
    "dedup": gettext_lazy("Duplicate check"),
    "pipeline": gettext_lazy("Processing pipeline"),
    "cli": gettext_lazy("Command line"),
    "sweeper": gettext_lazy("Vote sweeper"),
    "citizen": gettext_lazy("Citizen"),
    "migration": gettext_lazy("Data migration"),
}


@dataclass(frozen=True)
class ValueItem:
    label: str
    value: str


@dataclass(frozen=True)
class ActivityEntry:
    """One audit row as shown: `action` keeps the code, `action_label` is the words."""

    created_at: Any
    actor: str
    action: str
    action_label: str
    subject_type: str
    subject_id: str
    before: list[ValueItem]
    after: list[ValueItem]
    reason: str


def action_label(action: str) -> str:
    """An action code in the current language; an unknown code as it is."""
    label = ACTION_LABELS.get(action)
    if label is not None:
        return str(label)
    for prefix, choices, template in STATE_ACTIONS:
        value = action.removeprefix(prefix)
        if action.startswith(prefix) and value in choices.values:
            return str(template) % {"state": choices(value).label}
    purpose = action.removeprefix(REVEAL_PREFIX)
    if action.startswith(REVEAL_PREFIX) and purpose in REVEAL_ACTION_LABELS:
        return str(REVEAL_ACTION_LABELS[purpose])
    return action


def actor_label(entry: ActivityLog) -> str:
    """The acting user's name, or who acted when no user did (a channel, the duplicate check…)."""
    if entry.actor_id:
        return entry.actor.get_username()
    label = entry.actor_label
    if label.startswith("channel:"):
        channel = label.removeprefix("channel:")
        if channel in Channel.values:
            return _("Channel: %(channel)s") % {"channel": Channel(channel).label}
    known = ACTOR_LABELS.get(label)
    return str(known) if known is not None else label


def value_items(value: Any, *, subject_type: str, action: str = "", skip: frozenset[str] = frozenset()) -> list[ValueItem]:
    """An old or new value as (field, value) pairs in the current language."""
    if value is None or value == {}:
        return []
    if not isinstance(value, dict):
        return [ValueItem("", _format(value))]
    choices = {**COMMON_CHOICES, **VALUE_CHOICES.get(subject_type, {})}
    labels = {**FIELD_LABELS, **ACTION_FIELD_LABELS.get(action, {})}
    words = ACTION_VALUE_LABELS.get(action, {})
    items = []
    for key, item in _ordered(value):
        if key in skip or (key == "error" and value.get("waiting_for")):
            continue  # a waiting message's error is the pipeline's English for why: "waiting for message #id" says it
        label = labels.get(key)
        known = words.get(key, {}).get(item) if isinstance(item, str) else None
        shown = str(known) if known is not None else _format_field(key, item, choices)
        items.append(ValueItem(str(label) if label is not None else key, shown))
    return items


def _format_field(key: str, value: Any, choices: dict[str, type[TextChoices]]) -> str:
    if key in CITIZEN_TEXT_FIELDS and isinstance(value, str) and value:
        return redact_identifiers(value)
    if key == "error" and isinstance(value, str) and value:
        # A processing error may quote the sender's input (a phone number it could not read): masked as the message's
        # panel masks it, since the history has no logged reveal.
        return redact_personal_data(value)
    if key in choices and isinstance(value, str) and value in choices[key].values:
        return str(choices[key](value).label)
    if key == "reasons" and isinstance(value, list):
        return "、".join(describe(value))
    if key == "masked" and isinstance(value, list):  # field names
        return "、".join(str(FIELD_LABELS.get(name, name)) for name in value)
    if key in ID_KEYS and isinstance(value, int) and not isinstance(value, bool):
        return f"#{value}"
    if key in ID_KEYS and isinstance(value, list) and value and all(type(item) is int for item in value):
        return "、".join(f"#{item}" for item in value)
    return _format(value)


def _format(value: Any) -> str:
    if value is None or value == "":
        return _("(empty)")
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return "、".join(_format(item) for item in value) if value else _("(empty)")
    if isinstance(value, dict):
        return "，".join(
            f"{FIELD_LABELS.get(key, key)}：{_format_field(key, item, COMMON_CHOICES)}" for key, item in _ordered(value)
        )
    return str(value)


_KEY_ORDER = {key: position for position, key in enumerate(FIELD_LABELS)}


def _ordered(value: dict) -> list[tuple[str, Any]]:
    # A fixed order: PostgreSQL's jsonb does not keep the order the keys were written in.
    return sorted(value.items(), key=lambda pair: (_KEY_ORDER.get(pair[0], len(_KEY_ORDER)), pair[0]))


def _reason(entry: ActivityLog) -> str:
    reasons = (entry.new_value or {}).get("reasons") if isinstance(entry.new_value, dict) else None
    if entry.action == "nominee.auto_link" and isinstance(reasons, list):
        # The stored reason is reason_text(), a language-neutral line of the same codes.
        return "、".join(describe(reasons))
    known = SYSTEM_REASONS.get(entry.reason)
    return str(known) if known is not None else entry.reason


def present_activity(entries: Iterable[ActivityLog]) -> list[ActivityEntry]:
    """Audit rows as editors read them, in the order given."""
    presented = []
    for entry in entries:
        shown_as_reason = frozenset({"reasons"}) if entry.action == "nominee.auto_link" else frozenset()
        presented.append(ActivityEntry(
            created_at=entry.created_at,
            actor=actor_label(entry),
            action=entry.action,
            action_label=action_label(entry.action),
            subject_type=entry.subject_type,
            subject_id=entry.subject_id,
            before=value_items(entry.old_value, subject_type=entry.subject_type, action=entry.action),
            after=value_items(entry.new_value, subject_type=entry.subject_type, action=entry.action, skip=shown_as_reason),
            reason=_reason(entry),
        ))
    return presented


# Logged reveals of a record's contacts (core.models.ContactAccessLog), by what they were for. They are shown in the
# record's history to staff who may reveal contacts themselves, so that the organiser can say who saw them; a row's
# action is `contact.<purpose>`.
REVEAL_PREFIX = "contact."
REVEAL_ACTION_LABELS = {
    "detail": gettext_lazy("Contacts shown unmasked"),
    "export": gettext_lazy("Exported with contacts"),
    "download": gettext_lazy("Raw message downloaded"),
}
# The revealed fields as the log names them, where the history's own labels say something else ("sender").
REVEALED_FIELD_LABELS = {
    "sender": gettext_lazy("Sender"),
    "raw_message": gettext_lazy("Raw message, unmasked"),
}


def _reveal_label(purpose: str) -> str:
    known = REVEAL_ACTION_LABELS.get(purpose)
    if known is not None:
        return str(known)
    return _("Contacts shown unmasked (%(purpose)s)") % {"purpose": purpose}


def present_contact_reveals(reveals: Iterable[ContactAccessLog]) -> list[ActivityEntry]:
    """Logged reveals as history rows: who, when, what for, and which fields were shown; never the values."""
    presented = []
    for reveal in reveals:
        names = [name for name in reveal.fields.split(",") if name]
        fields = "、".join(str(REVEALED_FIELD_LABELS.get(name) or FIELD_LABELS.get(name, name)) for name in names)
        presented.append(ActivityEntry(
            created_at=reveal.created_at,
            actor=reveal.user.get_username(),
            action=f"{REVEAL_PREFIX}{reveal.purpose}",
            action_label=_reveal_label(reveal.purpose),
            subject_type=reveal.subject_type,
            subject_id=reveal.subject_id,
            before=[],
            after=[ValueItem(_("Shown unmasked"), fields or _("(empty)"))],
            reason="",
        ))
    return presented


def with_contact_reveals(activity: list[ActivityEntry], reveals: list[ActivityEntry]) -> list[ActivityEntry]:
    """A history with the reveals among its rows, newest first."""
    return sorted([*activity, *reveals], key=lambda entry: entry.created_at, reverse=True)
