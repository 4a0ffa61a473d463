"""The operator's form for a call to the readers' hotline: who called, when, and what they told us."""
import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xuanshu.campaigns.enums import NomineeKind
from xuanshu.campaigns.models import Campaign
from xuanshu.core.phones import parse_cn_phone
from xuanshu.intake.channels.webform.forms import normalise_text

KIND_CHOICES = [("nomination", _("A nomination")), ("tip", _("A reader tip (no nomination)"))]


class HotlineCallForm(forms.Form):
    submission_token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    call_time = forms.DateTimeField(label=_("Time of the call"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    caller_phone = forms.CharField(label=_("Caller's number"), max_length=40)
    caller_name = forms.CharField(label=_("Caller's name"), max_length=50, required=False)
    kind = forms.ChoiceField(label=_("The call is"), choices=KIND_CHOICES, widget=forms.RadioSelect, initial="nomination")
    nominee_name = forms.CharField(label=_("Nominee (person or group)"), max_length=100, required=False)
    nominee_kind = forms.ChoiceField(label=_("Individual or group"), choices=NomineeKind.choices, initial=NomineeKind.INDIVIDUAL)
    category = forms.ChoiceField(label=_("Category"), required=False)
    area = forms.ChoiceField(label=_("County"), required=False)
    place_detail = forms.CharField(label=_("Town, street or village"), max_length=100, required=False)
    notes = forms.CharField(label=_("What the caller said"), widget=forms.Textarea(attrs={"rows": 8}), max_length=5000)
    oral_consent = forms.BooleanField(
        label=_("The caller heard the personal-information notice and agreed"), required=False,
    )

    def __init__(self, *args, campaign: Campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.fields["submission_token"].initial = uuid.uuid4().hex
        self.fields["call_time"].initial = timezone.localtime().replace(second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M")
        self.fields["category"].choices = [("", _("Not yet known"))] + [(c.code, c.name) for c in campaign.categories.all()]
        self.fields["area"].choices = [("", _("Not yet known"))] + [(a.code, a.name) for a in campaign.areas.all()]

    def clean_caller_phone(self):
        if parse_cn_phone(self.cleaned_data["caller_phone"]) is None:
            raise forms.ValidationError(_("Enter a valid mainland mobile number or a landline with area code."))
        return self.cleaned_data["caller_phone"].strip()

    def clean_call_time(self):
        call_time = self.cleaned_data["call_time"]
        if call_time > timezone.now() + timezone.timedelta(minutes=5):
            raise forms.ValidationError(_("The call cannot be in the future."))
        return call_time

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == "nomination":
            if not normalise_text(cleaned.get("nominee_name", "")):
                self.add_error("nominee_name", _("A nomination needs the nominee's name."))
            if not cleaned.get("oral_consent"):
                self.add_error("oral_consent", _("Read the personal-information notice to the caller and get their agreement."))
        return cleaned
