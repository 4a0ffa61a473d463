"""The public nomination form, shaped by the campaign (categories, areas, limits)."""
import unicodedata
import uuid

from django import forms
from django.core.validators import ProhibitNullCharactersValidator, validate_email
from django.utils.translation import gettext_lazy as _

from xuanshu.campaigns.enums import NomineeKind
from xuanshu.campaigns.models import Campaign
from xuanshu.core.phones import parse_cn_phone
from xuanshu.intake.images import ImageRejected, reencode_image

IMAGE_ERRORS = {
    "too_large": _("“%(name)s” is larger than %(mb)s MB."),
    "not_image": _("“%(name)s” is not a picture we can open. Please upload a JPG or PNG photo."),
    "too_many_pixels": _("“%(name)s” has too many pixels. Please upload a smaller photo."),
    "unsupported_format": _("“%(name)s” is not a supported picture format. Please upload a JPG or PNG photo."),
}


# The codes of a photo's own refusal, one error per refused photo: what the page counts as refused.
PHOTO_REFUSALS = frozenset({"empty", *IMAGE_ERRORS})


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        # Django's own message for an empty file does not say which one; with several photos the citizen must know.
        empty = [item.name for item in files if getattr(item, "size", None) == 0]
        if empty:
            raise forms.ValidationError([forms.ValidationError(
                _("“%(name)s” is an empty file (0 bytes). Please choose the photo again.") % {"name": name}, code="empty")
                for name in empty])
        return [super(MultiplePhotoField, self).clean(item, initial) for item in files]


def strip_format_characters(value: str) -> str:
    """`value` without invisible format characters (Unicode category Cf: zero-width spaces and joiners, BOM, bidi marks)."""
    return "".join(ch for ch in value if unicodedata.category(ch) != "Cf")


def normalise_text(value: str) -> str:
    """Full-width letters and digits to half-width, invisible format characters dropped; Chinese punctuation as written."""
    return strip_format_characters(unicodedata.normalize("NFKC", value)).strip() if value else ""


def visible_length(value: str) -> int:
    """How many characters a reader sees: no whitespace, no invisible format characters."""
    return len("".join(strip_format_characters(value).split()))


NUL_CHARACTER_MESSAGE = _("The text contains an invisible control character (NUL) that cannot be saved. Please delete it, "
                          "or type the text again instead of pasting it.")


FORM_EXPIRED_MESSAGE = _("The form has expired. Please submit it again.")

# Django's stock message reads "确保该变量包含不超过…" ("this variable"): programmer's words on a citizen's form.
TOO_LONG_MESSAGE = _("Please shorten this to at most %(limit_value)d characters (now %(show_value)d).")
DEEDS_MAX_LENGTH = 5000


class NominationForm(forms.Form):
    submission_token = forms.CharField(
        widget=forms.HiddenInput, max_length=64,
        error_messages={"required": FORM_EXPIRED_MESSAGE, "max_length": FORM_EXPIRED_MESSAGE},
    )
    # Each field says what is missing in its own words: Django's stock "这个字段是必填项" speaks of a "field", and its
    # message for a choice the list no longer has (a page left open while the campaign changed) shows the raw code.
    nominee_name = forms.CharField(label=_("Name of the nominee (person or group)"), max_length=50, error_messages={
        "required": _("Please enter the name of the person or group you nominate.")})
    nominee_kind = forms.ChoiceField(label=_("Individual or group"), widget=forms.RadioSelect(attrs={"class": "choices"}), error_messages={
        "required": _("Please choose individual or group."), "invalid_choice": _("Please choose individual or group.")})
    category = forms.ChoiceField(label=_("Category"), widget=forms.RadioSelect(attrs={"class": "choices"}), error_messages={
        "required": _("Please choose a category."), "invalid_choice": _("Please choose a category.")})
    area = forms.ChoiceField(label=_("Where in the city"), error_messages={
        "required": _("Please choose the county, city or district."),
        "invalid_choice": _("Please choose the county, city or district.")})
    place_detail = forms.CharField(
        label=_("Town, street or village (optional)"), max_length=100, required=False,
    )
    # No maxlength in the page: a browser cuts a longer paste silently, and the end of the story would be lost
    # unseen; the form says how much to shorten instead, with the whole text kept.
    deeds = forms.CharField(label=_("Deeds"), widget=forms.Textarea(attrs={"rows": 8}), max_length=DEEDS_MAX_LENGTH)
    photos = MultiplePhotoField(label=_("Photos (optional)"), required=False)
    nominator_name = forms.CharField(label=_("Your name"), max_length=50, widget=forms.TextInput(attrs={"autocomplete": "name"}),
                                     error_messages={"required": _("Please enter your name.")})
    # A phone shows its number pad for these fields, and offers the number and address it knows.
    nominator_phone = forms.CharField(
        label=_("Your phone"), max_length=40,
        help_text=_("A mobile number, or a landline with area code such as 0635-8451234"),
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
        error_messages={"required": _("Please enter your phone number, so that we can check the nomination with you.")},
    )
    nominator_email = forms.CharField(
        label=_("Your e-mail (optional)"), max_length=254, required=False,
        widget=forms.TextInput(attrs={"inputmode": "email", "autocomplete": "email"}),  # type=email would let the browser rewrite it
    )
    consent = forms.BooleanField(
        label=_("I have read and agree to the personal-information notice"),
        error_messages={"required": _("Please read and agree to the personal-information notice before submitting.")},
    )
    # Honeypot: hidden from people by CSS; bots fill every field they see.
    website = forms.CharField(required=False, label=_("Leave this empty"))

    def __init__(self, *args, campaign: Campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.fields["submission_token"].initial = uuid.uuid4().hex
        kinds = dict(NomineeKind.choices)
        self.fields["nominee_kind"].choices = [(kind, kinds[kind]) for kind in campaign.nominee_kinds]
        self.fields["nominee_kind"].initial = campaign.nominee_kinds[0]
        self.fields["category"].choices = [(c.code, c.name) for c in campaign.categories.all()]
        self.fields["area"].choices = [("", _("Choose…"))] + [(a.code, a.name) for a in campaign.areas.all()]
        self.fields["deeds"].help_text = _("At least %(n)s and at most %(max)s characters: what they did, when and where.") % {
            "n": campaign.deeds_min_length, "max": DEEDS_MAX_LENGTH}
        self.fields["deeds"].widget.attrs.pop("maxlength", None)  # a browser would cut a longer paste unseen
        self.fields["deeds"].error_messages["required"] = _(
            "Please describe the deeds in at least %(min)s characters (now %(now)s).") % {"min": campaign.deeds_min_length, "now": 0}
        self.fields["photos"].help_text = _("Up to %(count)s photos, each at most %(mb)s MB.") % {
            "count": campaign.max_photos, "mb": campaign.max_photo_bytes // (1024 * 1024),
        }
        self.reencoded_photos = []
        for name, field in self.fields.items():
            if name != "submission_token":
                field.error_messages["max_length"] = TOO_LONG_MESSAGE
            # Django's stock message for a NUL character reads oddly in Chinese ("不允许是用空字符串").
            field.validators = [
                ProhibitNullCharactersValidator(message=NUL_CHARACTER_MESSAGE)
                if isinstance(validator, ProhibitNullCharactersValidator) else validator
                for validator in field.validators
            ]

    @classmethod
    def carried_over(cls, post_data) -> dict:
        """Initial values from a post that was not processed: what the citizen typed, with the same token."""
        kept = {name: post_data.get(name) for name in cls.base_fields if name not in ("photos", "website") and name in post_data}
        if not str(kept.get("submission_token", "")).isalnum():
            kept.pop("submission_token", None)  # a fresh one, from the field's initial value
        return kept

    @property
    def refused_photos(self) -> int:
        """How many of the chosen photos were refused, each with its reason among the photo field's errors."""
        return sum(1 for error in self.errors.as_data().get("photos", []) if error.code in PHOTO_REFUSALS)

    def photos_to_choose_again(self, chosen: int) -> int:
        """How many of the `chosen` photos could be used and must be chosen again, since a page sent back cannot
        keep them; none when there were too many, which the field's error says."""
        if any(error.code == "too_many" for error in self.errors.as_data().get("photos", [])):
            return 0
        return max(chosen - self.refused_photos, 0)

    @property
    def has_marked_errors(self) -> bool:
        """Whether an error sits next to a visible field (the others are shown at the top of the form)."""
        return any(field.errors for field in self.visible_fields() if field.name != "website")

    def clean_submission_token(self):
        token = self.cleaned_data["submission_token"]
        if not token.isalnum():
            raise forms.ValidationError(FORM_EXPIRED_MESSAGE)
        return token

    def full_clean(self):
        super().full_clean()
        if self._errors and "submission_token" in self._errors:
            # The page goes back with a fresh token, or sending it again would fail the same way.
            self.data = self.data.copy()
            self.data["submission_token"] = uuid.uuid4().hex

    def clean_nominee_name(self):
        name = normalise_text(self.cleaned_data["nominee_name"])
        if len(name) < 2:
            raise forms.ValidationError(_("Please enter the full name of the person or group."))
        return name

    def clean_nominator_name(self):
        name = normalise_text(self.cleaned_data["nominator_name"])
        if not name:
            raise forms.ValidationError(self.fields["nominator_name"].error_messages["required"], code="required")
        return name

    def clean_deeds(self):
        deeds = self.cleaned_data["deeds"].strip()
        length = visible_length(deeds)
        if length < self.campaign.deeds_min_length:
            raise forms.ValidationError(
                _("Please describe the deeds in at least %(min)s characters (now %(now)s).")
                % {"min": self.campaign.deeds_min_length, "now": length}
            )
        return deeds

    def clean_nominator_phone(self):
        number = parse_cn_phone(self.cleaned_data["nominator_phone"])
        if number is None:
            raise forms.ValidationError(
                _("Enter a valid mainland mobile number or a landline with area code, such as 13812345678 or 0635-8451234.")
            )
        return self.cleaned_data["nominator_phone"].strip()

    def clean_nominator_email(self):
        email = normalise_text(self.cleaned_data["nominator_email"])
        if email:
            try:
                validate_email(email)
            except forms.ValidationError:
                raise forms.ValidationError(_("Enter a valid e-mail address, or leave it empty.")) from None
        return email

    def clean_website(self):
        if self.cleaned_data["website"]:
            raise forms.ValidationError(_("The submission could not be accepted. Please reload the page and try again."))
        return ""

    def clean_photos(self):
        uploads = self.cleaned_data["photos"]
        if len(uploads) > self.campaign.max_photos:
            raise forms.ValidationError(
                _("You chose %(chosen)s photos; at most %(count)s photos can be sent. Please choose them again.")
                % {"chosen": len(uploads), "count": self.campaign.max_photos}, code="too_many")
        errors, photos = [], []
        mb = self.campaign.max_photo_bytes // (1024 * 1024)
        for upload in uploads:
            if upload.size > self.campaign.max_photo_bytes:
                errors.append(forms.ValidationError(IMAGE_ERRORS["too_large"] % {"name": upload.name, "mb": mb},
                                                    code="too_large"))
                continue
            try:
                photos.append((upload.name, reencode_image(upload.read(), max_bytes=self.campaign.max_photo_bytes)))
            except ImageRejected as rejection:
                errors.append(forms.ValidationError(IMAGE_ERRORS[rejection.code] % {"name": upload.name, "mb": mb},
                                                    code=rejection.code))
        if errors:
            raise forms.ValidationError(errors)
        self.reencoded_photos = photos
        return [name for name, _ in photos]
