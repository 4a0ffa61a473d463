"""Console forms for the intake desk: the reader-tip inbox and converting a tip into a nomination."""
from django import forms
from django.utils.translation import gettext_lazy as _

from xuanshu.campaigns.enums import NomineeKind
from xuanshu.campaigns.models import Area, Category
from xuanshu.console.forms import (
    NOT_GIVEN_LABEL,
    IdentifiersMaskedForm,
    check_deeds_length,
    use_plain_error_messages,
)
from xuanshu.intake.channels import sender_contact
from xuanshu.intake.enums import Channel, TipState
from xuanshu.intake.models import ReaderTip
from xuanshu.nominations.extraction import draft_from_text
from xuanshu.nominations.services import NominationDraft


class TipFilterForm(forms.Form):
    state = forms.ChoiceField(choices=[("", _("All states")), *TipState.choices], required=False, label=_("State"))
    channel = forms.ChoiceField(choices=[("", _("All channels")), *Channel.choices], required=False, label=_("Channel"))


class TipConvertForm(IdentifiersMaskedForm):
    """What the editor read out of the tip; the deeds start as the tip's text, with identifiers masked (the tip's page
    has no reveal) and put back when the nomination is made."""

    nominee_name = forms.CharField(label=_("Nominee"), max_length=100)
    nominee_kind = forms.ChoiceField(label=_("Kind"), choices=NomineeKind.choices)
    category = forms.ModelChoiceField(
        Category.objects.none(), required=False, label=_("Category"), empty_label=NOT_GIVEN_LABEL,
    )
    area = forms.ModelChoiceField(Area.objects.none(), required=False, label=_("County"), empty_label=NOT_GIVEN_LABEL)
    place_detail = forms.CharField(label=_("Place"), max_length=200, required=False)
    deeds = forms.CharField(label=_("Deeds"), widget=forms.Textarea(attrs={"rows": 8}))
    nominator_name = forms.CharField(label=_("Nominator"), max_length=100, required=False)

    def __init__(self, *args, tip: ReaderTip, **kwargs):
        self.tip = tip
        # The channel's own contact (the app's, the mail's sender, the caller) wins over one found in the text, as it
        # does for a nomination that arrives with the keyword.
        sender = sender_contact(tip.inbound)
        self.found = draft_from_text(text=tip.text, campaign=tip.campaign, sender_name=sender.name, sender_phone=sender.phone,
                                     sender_email=sender.email)
        categories = Category.objects.filter(campaign_id=tip.campaign_id, is_active=True)
        areas = Area.objects.filter(campaign_id=tip.campaign_id, is_active=True)
        kwargs.setdefault("initial", {
            "nominee_name": self.found.nominee_name,
            "nominee_kind": self.found.nominee_kind,
            "category": categories.filter(code=self.found.category_code).first(),
            "area": areas.filter(code=self.found.area_code).first(),
            "place_detail": self.found.place_detail,
            "deeds": self.found.deeds,
            "nominator_name": self.found.nominator_name,
        })
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories
        self.fields["area"].queryset = areas
        use_plain_error_messages(self)

    def stored_text(self) -> dict[str, str]:
        found = self.found
        return {"place_detail": found.place_detail, "deeds": found.deeds, "nominator_name": found.nominator_name}

    def clean_deeds(self):
        # The tip's own text is kept whatever its length (an e-mail has no limit); an editor's additions are capped.
        return check_deeds_length(self.cleaned_data["deeds"], current=self.found.deeds)

    def draft(self) -> NominationDraft:
        """The nomination draft; the sender's contacts, or those found in the tip's text, carry over (they are never shown
        unmasked here)."""
        found, data = self.found, self.cleaned_data
        return NominationDraft(
            nominee_name=data["nominee_name"],
            nominee_kind=data["nominee_kind"],
            category_code=data["category"].code if data["category"] else None,
            area_code=data["area"].code if data["area"] else None,
            place_detail=data["place_detail"],
            deeds=data["deeds"],
            nominator_name=data["nominator_name"],
            nominator_phone=found.nominator_phone,
            nominator_email=found.nominator_email,
            source_text=self.tip.text,
            consent_at=consent_from_raw_record(self.tip),
        )


def consent_from_raw_record(tip: ReaderTip):
    """When the citizen agreed to the personal-information notice, read from the tip's stored message (raw first: never
    from what the editor types). A web form nomination held outside the nomination stage carries the consent box; other
    channels' tips carry none."""
    if tip.channel != Channel.WEBFORM:
        return None
    from xuanshu.intake.channels.webform.adapter import interpret

    return interpret(tip.inbound).consent_at


class TipArchiveForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        use_plain_error_messages(self)


class StatusLinkSmsForm(forms.Form):
    """The editor's confirmation that the caller agreed to get the status link by text message."""

    caller_agreed = forms.BooleanField(
        label=_("The caller agreed to get the reference number and status link by text message"), required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        use_plain_error_messages(self)
