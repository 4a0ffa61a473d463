"""Citizen pages (H5): thin views that parse input, call a service, render."""
import re
import uuid

from django.conf import settings
from django.core import signing
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from xuanshu.campaigns.models import Campaign
from xuanshu.campaigns.selectors import campaign_with_choices, campaigns_open_for_nomination
from xuanshu.core.ratelimit import client_ip, hit
from xuanshu.core.redaction import redact_addresses
from xuanshu.intake.channels.webform.adapter import receive_webform
from xuanshu.intake.channels.webform.forms import NominationForm
from xuanshu.intake.interpretation import held_because
from xuanshu.intake.notices import held_nomination_notice
from xuanshu.intake.selectors import nomination_not_read_yet
from xuanshu.nominations.enums import PUBLIC_STATE_LABELS, NominationState
from xuanshu.nominations.selectors import nomination_by_reference
from xuanshu.public import gallery
from xuanshu.public.links import reference_from_status_token, status_path
from xuanshu.public.status_lookup import Outcome, look_up_status, read_lookup_reference

THANKS_SALT = "xuanshu.public.thanks"
# The form's submission token lives in this cookie, so a form page loaded again (the back button after sending
# re-fetches it, and the browser refills what was typed) carries the same token: sending it again is not a second
# nomination. Another nomination from the same browser differs in content and is stored as its own (webform adapter).
SUBMISSION_COOKIE = "xs_nomination"
SUBMISSION_COOKIE_AGE = 30 * 24 * 3600
_SUBMISSION_TOKEN = re.compile(r"^[0-9a-f]{32}$")


def _campaign_or_404(slug: str) -> Campaign:
    try:
        return campaign_with_choices(slug)
    except Campaign.DoesNotExist:
        raise Http404(_("No such campaign.")) from None


def home(request):
    campaigns = list(campaigns_open_for_nomination())
    if len(campaigns) == 1:
        return HttpResponseRedirect(reverse("public:campaign", args=[campaigns[0].slug]))
    return render(request, "public/home.html", {"campaigns": campaigns or Campaign.objects.all()[:20]})


def campaign_page(request, slug):
    campaign = _campaign_or_404(slug)
    return render(request, "public/campaign.html", {
        "campaign": campaign, "nomination_open": campaign.stage_open("nomination"), "ballot_open": gallery.ballot_is_open(slug),
    })


@require_http_methods(["GET", "POST"])
def nominate(request, slug):
    campaign = _campaign_or_404(slug)
    if not campaign.stage_open("nomination"):
        if request.method == "POST":
            return _keep_post_outside_the_stage(request, campaign)
        return render(request, "public/closed.html", {"campaign": campaign})
    if request.method == "GET":
        token = request.COOKIES.get(SUBMISSION_COOKIE, "")
        token = token if _SUBMISSION_TOKEN.match(token) else uuid.uuid4().hex
        form = NominationForm(campaign=campaign, initial={"submission_token": token})
        response = render(request, "public/nominate.html", {"campaign": campaign, "form": form})
        response.set_cookie(SUBMISSION_COOKIE, token, max_age=SUBMISSION_COOKIE_AGE, httponly=True, samesite="Lax",
                            secure=settings.SESSION_COOKIE_SECURE)
        return response

    ip = client_ip(request)
    # Browsers cannot put chosen files back into a page: a page sent back asks for the photos again.
    photos_to_choose_again = len(request.FILES.getlist("photos"))
    # Generous enough for a school or office behind one address, tight enough to stop a script.
    if not hit("nominate", ip, limit=30, window_seconds=600):
        # What the citizen typed comes back (not validated: nothing was checked), so nothing has to be typed again.
        form = NominationForm(initial=NominationForm.carried_over(request.POST), campaign=campaign)
        return render(request, "public/nominate.html", {
            "campaign": campaign, "form": form, "photos_to_choose_again": photos_to_choose_again,
            "page_error": _("Too many submissions from your network. Please try again in ten minutes."),
            "page_note": _("What you typed is kept below: send it again in ten minutes."),
        }, status=429)
    form = NominationForm(request.POST, request.FILES, campaign=campaign)
    if not form.is_valid():
        # Only the photos that could be used are asked for again; the refused ones are counted, each with its reason.
        return render(request, "public/nominate.html", {
            "campaign": campaign, "form": form, "photos_refused": form.refused_photos,
            "photos_to_choose_again": form.photos_to_choose_again(photos_to_choose_again),
        }, status=400)
    receipt = receive_webform(
        campaign=campaign, form=form, post_data=request.POST,
        client_ip=ip, user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )
    token = signing.dumps(receipt.reference, salt=THANKS_SALT)
    return HttpResponseRedirect(reverse("public:nominate_thanks", args=[campaign.slug, token]))


def _keep_post_outside_the_stage(request, campaign: Campaign):
    """A form sent once nominations have closed (or before they open), from a page loaded while they were open: what
    the citizen wrote is kept for the editors as a reader tip, as on every other channel, and the citizen is told so.
    A post that is not a complete nomination is refused as before."""
    ip = client_ip(request)
    form = NominationForm(request.POST, request.FILES, campaign=campaign)
    if not hit("nominate", ip, limit=30, window_seconds=600) or not form.is_valid():
        return render(request, "public/closed.html", {"campaign": campaign}, status=403)
    receipt = receive_webform(campaign=campaign, form=form, post_data=request.POST, client_ip=ip,
                              user_agent=request.META.get("HTTP_USER_AGENT", ""))
    held = held_because(campaign, receipt.inbound.received_at)
    if held is None:  # the stage opened in between: the post is an ordinary nomination after all
        token = signing.dumps(receipt.reference, salt=THANKS_SALT)
        return HttpResponseRedirect(reverse("public:nominate_thanks", args=[campaign.slug, token]))
    return render(request, "public/closed.html", {"campaign": campaign, "kept_notice": held_nomination_notice(campaign, held)})


def nominate_thanks(request, slug, token):
    campaign = _campaign_or_404(slug)
    try:
        reference = signing.loads(token, salt=THANKS_SALT, max_age=7 * 24 * 3600)
    except signing.BadSignature:
        raise Http404(_("This confirmation link is not valid.")) from None
    # The nomination's own status page needs no phone digits and no lookup, so no lookup limit can keep its owner out.
    status_url = status_path(campaign, reference)
    return render(request, "public/thanks.html", {"campaign": campaign, "reference": reference, "status_url": status_url})


def _public_status(nomination) -> dict:
    return {
        "reference": nomination.reference,
        # Anyone with the link or the reference and four digits reads this page: no identifier the nominator typed.
        "nominee_name": redact_addresses(nomination.nominee_name),
        "category": nomination.category.name if nomination.category else "",
        "received_at": timezone.localtime(nomination.received_at),
        "state_label": PUBLIC_STATE_LABELS[nomination.state],
    }


@require_http_methods(["GET", "HEAD"])  # its form posts to the lookup (public:status)
def status_by_link(request, slug, token):
    campaign = _campaign_or_404(slug)
    try:
        reference = reference_from_status_token(token)
    except signing.BadSignature:
        raise Http404(_("This status link is not valid.")) from None
    nomination = nomination_by_reference(reference)
    if nomination is None:
        # The link is given as soon as the reference is (thanks page, partner app, text message); the worker may not
        # have read the message into its nomination yet: it was received all the same.
        inbound = nomination_not_read_yet(reference=reference, campaign_id=campaign.pk)
        if inbound is None:
            raise Http404(_("This status link is not valid."))
        result = _received_status(inbound)
    elif nomination.campaign_id != campaign.pk:
        raise Http404(_("This status link is not valid."))
    else:
        result = _public_status(nomination)
    context = {"campaign": campaign, "reference": reference, "error": "", "result": result}
    return render(request, "public/status.html", context)


def _received_status(inbound) -> dict:
    """A message not read into its nomination yet: its reference, when it came and that it was received; nothing else."""
    return {"reference": inbound.reference, "nominee_name": "", "category": "",
            "received_at": timezone.localtime(inbound.received_at),
            "state_label": PUBLIC_STATE_LABELS[NominationState.RECEIVED]}


# What the lookup says when it cannot show a status, and the HTTP status it says it with.
_LOOKUP_REFUSALS = {
    Outcome.TOO_MANY_LOOKUPS: (429, gettext_lazy("Too many lookups from your network. Please try again in ten minutes.")),
    Outcome.TOO_MANY_FAILURES: (429, gettext_lazy("Too many wrong tries for this reference number. Please try again in an hour.")),
    Outcome.WHOLE_NUMBER_NEEDED: (403, gettext_lazy(
        "This reference number has had many wrong tries. To protect it, enter the whole phone number you gave when "
        "nominating (a landline with its area code).")),
    Outcome.INVALID: (400, gettext_lazy("Enter the reference number and the last 4 digits of your phone.")),
    Outcome.NO_MATCH: (404, gettext_lazy("No nomination matches this reference number and phone.")),
}
# The refusals a citizen cannot answer by typing something else now: the status link they were sent still works.
_LINK_STILL_WORKS = {Outcome.TOO_MANY_LOOKUPS, Outcome.TOO_MANY_FAILURES, Outcome.WHOLE_NUMBER_NEEDED}


@require_http_methods(["GET", "POST"])
def status_lookup(request, slug):
    campaign = _campaign_or_404(slug)
    context = {"campaign": campaign, "reference": "", "error": "", "result": None,
               "link_note": False, "whole_number": False, "notice": ""}
    if request.method == "POST":
        reference = read_lookup_reference(request.POST.get("reference", ""), campaign=campaign)
        context["reference"] = reference
        lookup = look_up_status(campaign=campaign, reference=reference, typed_phone=request.POST.get("phone_last4", ""),
                                address=client_ip(request))
        if lookup.outcome is Outcome.RECEIVED:
            context["result"] = _received_status(lookup.inbound)
            return render(request, "public/status.html", context)
        if lookup.outcome is Outcome.PROCESSING:  # nothing checked, nothing shown; the status link works meanwhile
            context.update(notice=_("This nomination is being processed. Please check again later."), link_note=True)
            return render(request, "public/status.html", context)
        if lookup.outcome is not Outcome.FOUND:
            status, message = _LOOKUP_REFUSALS[lookup.outcome]
            context.update(error=str(message), link_note=lookup.outcome in _LINK_STILL_WORKS,
                           whole_number=lookup.outcome is Outcome.WHOLE_NUMBER_NEEDED)
            return render(request, "public/status.html", context, status=status)
        context["result"] = _public_status(lookup.nomination)
    return render(request, "public/status.html", context)
