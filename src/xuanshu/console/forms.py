"""Forms of the editors' console: sign-in, queue filters, export options, edits, state moves, notes."""
import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _

from xuanshu.campaigns.enums import NomineeKind
from xuanshu.campaigns.models import Area, Category
from xuanshu.campaigns.selectors import campaign_choices
from xuanshu.console.redaction import CITIZEN_TEXT_FIELDS
from xuanshu.core.phones import parse_cn_phone
from xuanshu.core.redaction import redact_identifiers, restore_identifiers
from xuanshu.intake.channels.webform.forms import NUL_CHARACTER_MESSAGE, TOO_LONG_MESSAGE
from xuanshu.intake.enums import Channel, InboundStatus
from xuanshu.nominations.enums import REASON_REQUIRED, TRANSITIONS, NominationState
from xuanshu.nominations.models import Nomination
from xuanshu.nominations.selectors import QueueFilters, QueueOrder
from xuanshu.nominations.services import (
    VERSIONED_FIELDS,
    deeds_length,
    deeds_limit,
    field_digest,
    nomination_field_digests,
)

# Editors work in Liaocheng: dates they type and times they read are Asia/Shanghai.
LOCAL_TZ = ZoneInfo("Asia/Shanghai")
# The empty choice of an optional category or county, instead of Django's "---------".
NOT_GIVEN_LABEL = _("Not given")
INVALID_PHONE_MESSAGE = _("Enter a valid mainland mobile number or a landline with area code.")


class ConsoleAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "not_staff": _("This account cannot use the editors' console."),
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not user.is_staff:
            raise forms.ValidationError(self.error_messages["not_staff"], code="not_staff")


def use_plain_error_messages(form: forms.Form) -> None:
    """Too-long text and NUL characters explained in plain words (Django's stock Chinese reads “确保该变量…” and
    “不允许是用空字符串”), as on the citizens' form."""
    for field in form.fields.values():
        field.error_messages["max_length"] = TOO_LONG_MESSAGE
        field.validators = [
            ProhibitNullCharactersValidator(message=NUL_CHARACTER_MESSAGE)
            if isinstance(validator, ProhibitNullCharactersValidator) else validator
            for validator in field.validators
        ]


def check_deeds_length(deeds: str, *, current: str) -> str:
    """The deeds, or the plain "shorten to N (now M)" error when they are longer than an editor may save."""
    limit, length = deeds_limit(current), deeds_length(deeds)
    if length > limit:
        raise forms.ValidationError(TOO_LONG_MESSAGE, code="max_length", params={"limit_value": limit, "show_value": length})
    return deeds


class IdentifiersMaskedForm(forms.Form):
    """A form prefilled with a citizen's text (`stored_text()`): its resident ID, bank card, WeChat and QQ numbers are
    shown masked unless `reveal`, and put back when the form is sent, so that a correction elsewhere in the text never
    stores the masks in their place (and an editor need not see them to correct a typo)."""

    def __init__(self, *args, reveal: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not reveal:
            self.initial = {
                name: redact_identifiers(value) if name in CITIZEN_TEXT_FIELDS and isinstance(value, str) else value
                for name, value in self.initial.items()
            }

    def stored_text(self) -> dict[str, str]:
        """The text the form was prefilled with, as stored, by field name."""
        raise NotImplementedError

    def clean(self):
        cleaned = super().clean()
        stored = self.stored_text()
        for name in CITIZEN_TEXT_FIELDS:
            if isinstance(cleaned.get(name), str):
                cleaned[name] = restore_identifiers(cleaned[name], stored.get(name) or "")
        return cleaned


def _local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=LOCAL_TZ)


class QueueFilterForm(forms.Form):
    """The queue's GET filters. Category and county choices belong to the chosen campaign."""

    # Choices from the cached campaign list (set per form in __init__): the list is not queried per request.
    campaign = forms.TypedChoiceField(coerce=int, empty_value=None, required=False, label=_("Campaign"))
    channel = forms.ChoiceField(choices=[("", _("All channels")), *Channel.choices], required=False, label=_("Channel"))
    category = forms.ModelChoiceField(
        Category.objects.none(), required=False, label=_("Category"), empty_label=_("All categories"),
    )
    state = forms.ChoiceField(choices=[("", _("All states")), *NominationState.choices], required=False, label=_("State"))
    area = forms.ModelChoiceField(Area.objects.none(), required=False, label=_("County"), empty_label=_("All counties"))
    received_from = forms.DateField(
        required=False, label=_("Received from"), widget=forms.DateInput(attrs={"type": "date"}),
    )
    received_until = forms.DateField(
        required=False, label=_("Received until"), widget=forms.DateInput(attrs={"type": "date"}),
    )
    q = forms.CharField(required=False, max_length=100, label=_("Search"),
                        help_text=_("Reference number, nominee, nominator or place"))
    in_deeds = forms.BooleanField(required=False, label=_("Also search the deeds (slower)"))
    duplicates = forms.BooleanField(required=False, label=_("Possible duplicates"),
                                    help_text=_("Only nominations with an open merge suggestion"))
    sort = forms.ChoiceField(choices=QueueOrder.choices, required=False, label=_("Sort"))

    def __init__(self, data, *, contact_search: bool = False):
        self.contact_search = contact_search
        data = data.copy()
        if data.get("sort") not in QueueOrder.values:
            data["sort"] = QueueOrder.NEWEST  # an unknown or missing order is the default, never an error
        campaigns = campaign_choices()
        if len(campaigns) == 1 and not data.get("campaign"):
            data["campaign"] = str(campaigns[0][0])
        super().__init__(data)
        self.fields["campaign"].choices = [("", _("All campaigns")), *campaigns]
        self.fields["campaign"].widget.attrs["data-autosubmit"] = ""
        self.fields["sort"].widget.attrs["data-autosubmit"] = ""
        if contact_search:
            self.fields["q"].help_text = _("Reference number, nominee, nominator, place, or the nominator's phone or e-mail")
        chosen = data.get("campaign", "")
        if chosen.isdigit():
            self.fields["category"].queryset = Category.objects.filter(campaign_id=chosen)
            self.fields["area"].queryset = Area.objects.filter(campaign_id=chosen)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("received_from"), cleaned.get("received_until")
        if start and end and end < start:
            self.add_error("received_until", _("The end date is before the start date."))
        return cleaned

    def queue_filters(self) -> QueueFilters:
        """The valid filters as the selector takes them; call after is_valid(); invalid fields are left out."""
        data = getattr(self, "cleaned_data", {})
        start, end = data.get("received_from"), data.get("received_until")
        return QueueFilters(
            campaign_id=data.get("campaign"),
            channel=data.get("channel", ""),
            category_id=data["category"].pk if data.get("category") else None,
            state=data.get("state", ""),
            area_id=data["area"].pk if data.get("area") else None,
            received_from=_local_midnight(start) if start else None,
            received_until=_local_midnight(end + dt.timedelta(days=1)) if end else None,
            search=data.get("q", "").strip(),
            search_deeds=bool(data.get("in_deeds")),
            search_contacts=self.contact_search,
            possible_duplicates=bool(data.get("duplicates")),
            order=data.get("sort") or QueueOrder.NEWEST,
        )


class ExportForm(QueueFilterForm):
    format = forms.ChoiceField(choices=[("csv", "CSV"), ("xlsx", "XLSX")])
    include_contacts = forms.BooleanField(required=False)


class NominationEditForm(IdentifiersMaskedForm):
    """Corrections to the structured fields. Contacts are never prefilled: that would unmask them; identifiers in the
    text are prefilled masked unless revealed (IdentifiersMaskedForm)."""

    nominee_name = forms.CharField(label=_("Nominee"), max_length=100)
    nominee_kind = forms.ChoiceField(label=_("Kind"), choices=NomineeKind.choices)
    category = forms.ModelChoiceField(
        Category.objects.none(), required=False, label=_("Category"), empty_label=NOT_GIVEN_LABEL,
    )
    area = forms.ModelChoiceField(Area.objects.none(), required=False, label=_("County"), empty_label=NOT_GIVEN_LABEL)
    place_detail = forms.CharField(label=_("Place"), max_length=200, required=False)
    deeds = forms.CharField(label=_("Deeds"), widget=forms.Textarea(attrs={"rows": 10}))
    nominator_name = forms.CharField(label=_("Nominator"), max_length=100, required=False)
    nominator_phone = forms.CharField(
        label=_("New phone"), max_length=40, required=False, help_text=_("Leave empty to keep the current one."),
    )
    # Empty means "keep" (the form never shows a contact), so removing a wrong one takes an explicit box.
    clear_nominator_phone = forms.BooleanField(label=_("Clear this contact"), required=False)
    nominator_email = forms.EmailField(
        label=_("New e-mail"), required=False, help_text=_("Leave empty to keep the current one."),
        error_messages={"invalid": _("Enter a valid e-mail address, or leave it empty.")},
    )
    clear_nominator_email = forms.BooleanField(label=_("Clear this contact"), required=False)
    reason = forms.CharField(label=_("Reason for the change"), max_length=500, required=False)
    # The digests of the fields as this form showed them: only what the editor changed is saved, and a field
    # another editor changed meanwhile is a conflict, not silently overwritten.
    loaded = forms.CharField(widget=forms.HiddenInput, required=False)

    STRUCTURED_FIELDS = ["nominee_name", "nominee_kind", "category", "area", "place_detail", "deeds", "nominator_name"]
    CONTACT_FIELDS = ["nominator_phone", "nominator_email"]

    def __init__(self, *args, nomination: Nomination, reveal: bool = False, **kwargs):
        self.nomination = nomination
        initial = {name: getattr(nomination, name) for name in self.STRUCTURED_FIELDS}
        initial.update(category=nomination.category_id, area=nomination.area_id)
        initial["loaded"] = json.dumps(nomination_field_digests(nomination))
        super().__init__(*args, initial=initial, reveal=reveal, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(campaign_id=nomination.campaign_id)
        self.fields["area"].queryset = Area.objects.filter(campaign_id=nomination.campaign_id)
        for name in self.CONTACT_FIELDS:
            if not getattr(nomination, name):  # nothing to clear
                del self.fields[f"clear_{name}"]
        use_plain_error_messages(self)

    def stored_text(self) -> dict[str, str]:
        return {name: getattr(self.nomination, name) for name in CITIZEN_TEXT_FIELDS}

    def clean_deeds(self):
        return check_deeds_length(self.cleaned_data["deeds"], current=self.nomination.deeds)

    def clean_nominator_phone(self) -> str:
        # Checked here too (the service checks it again), so the error shows beside the field with any others.
        phone = self.cleaned_data["nominator_phone"]
        if phone and parse_cn_phone(phone) is None:
            raise forms.ValidationError(INVALID_PHONE_MESSAGE, code="phone")
        return phone

    def clean(self):
        cleaned = super().clean()
        for name in self.CONTACT_FIELDS:
            if cleaned.get(f"clear_{name}") and cleaned.get(name):
                self.add_error(name, _("Either type a new contact or tick “Clear this contact”, not both."))
        return cleaned

    def clean_loaded(self) -> dict[str, str] | None:
        raw = self.cleaned_data["loaded"]
        if not raw:
            return None  # a form from before digests were sent: every field counts as changed
        try:
            digests = json.loads(raw)
        except ValueError:
            digests = None
        if not isinstance(digests, dict) or not all(isinstance(value, str) for value in digests.values()):
            raise forms.ValidationError(_("This form is out of date. Reload the page and make your changes again."))
        return digests

    def changes(self) -> dict:
        """The fields the editor changed, as `update_nomination_fields` takes them; an empty contact field means "keep",
        a ticked "clear" box an empty contact."""
        loaded = self.cleaned_data.get("loaded")
        changes = {
            name: self.cleaned_data[name] for name in self.STRUCTURED_FIELDS
            if loaded is None or name not in loaded or field_digest(name, self.cleaned_data[name]) != loaded[name]
        }
        for name in self.CONTACT_FIELDS:
            if self.cleaned_data.get(f"clear_{name}"):
                changes[name] = ""
            elif self.cleaned_data[name]:
                changes[name] = self.cleaned_data[name]
        return changes

    def rebase(self, nomination: Nomination, *, mine: dict) -> None:
        """After a conflict: keep the editor's own changes (`mine`), show the other fields as `nomination` stores
        them now, and carry its current digests, so saving again keeps this editor's version knowingly."""
        current = NominationEditForm(nomination=nomination)
        data = self.data.copy()
        for name in VERSIONED_FIELDS:
            if name not in mine:
                data[name] = "" if current.initial[name] is None else current.initial[name]
        data["loaded"] = current.initial["loaded"]
        self.data = data


class StateChangeForm(forms.Form):
    new_state = forms.ChoiceField(choices=NominationState.choices)
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}),
    )
    # The state the page showed: the move is made only from that state, so a move chosen on a page another editor
    # has overtaken is refused, not applied to a state this editor never saw. Required: a form without it (a page
    # drawn before it was sent, or a hand-made request) cannot say what the editor saw.
    expected_state = forms.ChoiceField(choices=NominationState.choices, widget=forms.HiddenInput)

    def __init__(self, *args, nomination: Nomination, **kwargs):
        super().__init__(*args, initial={"expected_state": nomination.state}, **kwargs)
        message = _("This form did not say which state you saw, so nothing was changed. The nomination is now "
                    "“%(current)s”: check it and choose again.") % {"current": nomination.get_state_display()}
        self.fields["expected_state"].error_messages.update(required=message, invalid_choice=message)

    def rebase(self, nomination: Nomination) -> None:
        """Carry the state `nomination` is in now (the page shows it again), keeping what the editor typed."""
        data = self.data.copy()
        data["expected_state"] = nomination.state
        self.data = data


# The states a batch can move nominations to: every state some other state may move to.
BATCH_TARGETS = [state for state in NominationState if any(state in targets for targets in TRANSITIONS.values())]
_SHOWN_STATE = re.compile(r"(\d{1,18}):([a-z_]{1,20})")


class ShownStatesField(forms.Field):
    """The queue's ticked rows, each sent as "id:state shown on the page"; cleaned to {id: state}."""

    widget = forms.MultipleHiddenInput  # reads every value of the name; the queue draws its own checkboxes
    default_error_messages = {
        "required": _("Select at least one nomination."),
        "invalid": _("The selection could not be read. Reload the page and select again."),
    }

    def to_python(self, value) -> dict[int, str]:
        shown = {}
        for item in value or []:
            match = _SHOWN_STATE.fullmatch(str(item))
            if match is None or match[2] not in NominationState.values:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            shown[int(match[1])] = match[2]
        return shown


class BatchMoveForm(forms.Form):
    """Move the ticked rows of a queue page to one state, with one reason for all of them."""

    selected = ShownStatesField()
    new_state = forms.ChoiceField(
        label=_("Move the selected to"), choices=[("", _("Choose a state")), *((s.value, s.label) for s in BATCH_TARGETS)],
        error_messages={"required": _("Choose the state to move them to."), "invalid_choice": _("Choose the state to move them to.")},
    )
    reason = forms.CharField(label=_("Reason"), max_length=2000, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        use_plain_error_messages(self)

    def clean(self):
        # Checked by the service too; here the error is shown beside the field, with the ticks kept.
        cleaned = super().clean()
        if cleaned.get("new_state") in REASON_REQUIRED and not cleaned.get("reason", "").strip():
            self.add_error("reason", _("Please give a reason for this change."))
        return cleaned


class NoteForm(forms.Form):
    body = forms.CharField(label=_("Note"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        use_plain_error_messages(self)


class InboundFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", _("All statuses")), *InboundStatus.choices], required=False, label=_("Status"))
    channel = forms.ChoiceField(choices=[("", _("All channels")), *Channel.choices], required=False, label=_("Channel"))
