"""The intake desk of the console: logging hotline calls, and the reader-tip inbox."""
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from xuanshu.campaigns.models import Campaign
from xuanshu.campaigns.selectors import campaign_with_choices
from xuanshu.console.activity import present_activity
from xuanshu.console.intake_forms import StatusLinkSmsForm, TipArchiveForm, TipConvertForm, TipFilterForm
from xuanshu.console.views import REVIEW, VIEW_INBOUND, console_view
from xuanshu.core.errors import DomainError
from xuanshu.core.redaction import redact_personal_data
from xuanshu.intake.channels.hotline.adapter import log_hotline_call
from xuanshu.intake.channels.hotline.forms import HotlineCallForm
from xuanshu.intake.channels.hotline.services import StatusLinkNotSent, send_status_link_sms, status_link_desk
from xuanshu.intake.enums import Channel, NominationWindow, TipState
from xuanshu.intake.interpretation import held_because, nomination_window
from xuanshu.intake.models import ReaderTip
from xuanshu.intake.notices import hotline_stage_warning
from xuanshu.intake.selectors import tip_for_console, tips_inbox
from xuanshu.intake.services import set_tip_state
from xuanshu.nominations.models import Nomination
from xuanshu.nominations.selectors import nomination_activity, nomination_for_console
from xuanshu.nominations.services import convert_tip_to_nomination


def _hotline_campaign(request) -> Campaign:
    slug = request.GET.get("campaign") or request.POST.get("campaign_slug")
    campaign = Campaign.objects.filter(slug=slug).first() if slug else Campaign.objects.order_by("-year", "-id").first()
    if campaign is None:
        raise Http404(_("No such campaign."))
    return campaign_with_choices(campaign.slug)


@console_view(REVIEW)
@require_http_methods(["GET", "POST"])
def hotline_call(request):
    campaign = _hotline_campaign(request)
    if request.method == "GET":
        form = HotlineCallForm(campaign=campaign)
    else:
        form = HotlineCallForm(request.POST, campaign=campaign)
        if form.is_valid():
            receipt = log_hotline_call(campaign=campaign, operator=request.user, cleaned=form.cleaned_data)
            receipt.inbound.refresh_from_db()
            if receipt.reference:
                messages.success(request, _("The call was logged as nomination %(reference)s.") % {"reference": receipt.reference})
                return redirect("console:hotline_logged", reference=receipt.reference)
            held = held_because(campaign, receipt.inbound.received_at) if form.cleaned_data["kind"] == "nomination" else None
            if held == NominationWindow.CLOSED:
                messages.warning(request, _("Nominations were closed at the time of the call: it was logged as a reader tip, not as a nomination."))
            elif held:
                messages.warning(request, _("Nominations were not yet open at the time of the call: it was logged as a reader tip, not as a nomination."))
            else:
                messages.success(request, _("The call was logged as a reader tip."))
            return redirect("console:tips")
    window = nomination_window(campaign, timezone.now())
    context = {
        "form": form, "campaign": campaign, "campaigns": Campaign.objects.all(),
        "stage_warning": hotline_stage_warning(campaign, window) if window != NominationWindow.OPEN else "",
    }
    return render(request, "console/hotline.html", context, status=400 if form.errors else 200)


def _hotline_nomination_or_404(reference: str):
    try:
        nomination = nomination_for_console(reference)
    except Nomination.DoesNotExist:
        raise Http404(_("No such nomination.")) from None
    if nomination.channel != Channel.HOTLINE:
        raise Http404(_("No such hotline nomination."))
    return nomination


def _render_logged(request, nomination, *, sms_form=None, status=200):
    context = {
        "nomination": nomination,
        "desk": status_link_desk(nomination),
        "sms_form": sms_form or StatusLinkSmsForm(),
        "sms_sent": present_activity(nomination_activity(nomination).filter(
            action__in=["nomination.status_link_sms", "nomination.status_link_sms_failed"])),
    }
    return render(request, "console/hotline_logged.html", context, status=status)


@console_view(REVIEW)
def hotline_logged(request, reference):
    """A hotline nomination just logged: its reference and status link to read out, and to send by text message."""
    return _render_logged(request, _hotline_nomination_or_404(reference))


@console_view(REVIEW)
@require_POST
def hotline_status_link_sms(request, reference):
    nomination = _hotline_nomination_or_404(reference)
    form = StatusLinkSmsForm(request.POST)
    if form.is_valid():
        try:
            send_status_link_sms(nomination=nomination, actor=request.user, caller_agreed=form.cleaned_data["caller_agreed"])
        except StatusLinkNotSent as refusal:
            form.add_error("caller_agreed" if refusal.code == "no_consent" else None, refusal.message)
        else:
            messages.success(request, _("The reference number and status link were sent by text message to %(phone)s.")
                             % {"phone": nomination.masked_phone})
            return redirect("console:hotline_logged", reference=reference)
    return _render_logged(request, nomination, sms_form=form, status=400)


@console_view(VIEW_INBOUND)
def tips(request):
    data = request.GET.copy()
    data.setdefault("state", TipState.OPEN)
    form = TipFilterForm(data)
    form.is_valid()
    cleaned = getattr(form, "cleaned_data", {})
    page = Paginator(tips_inbox(state=cleaned.get("state", ""), channel=cleaned.get("channel", "")), 50).get_page(request.GET.get("page"))
    for tip in page:
        tip.masked_text = redact_personal_data(tip.text)
    return render(request, "console/tips.html", {"form": form, "page": page})


def _tip_or_404(tip_id: int) -> ReaderTip:
    try:
        return tip_for_console(tip_id)
    except ReaderTip.DoesNotExist:
        raise Http404(_("No such tip.")) from None


def _render_tip(request, tip, *, convert_form=None, archive_form=None, status=200):
    context = {
        "tip": tip,
        "masked_text": redact_personal_data(tip.text),
        "convert_form": convert_form or TipConvertForm(tip=tip),
        "archive_form": archive_form or TipArchiveForm(),
        "can_review": request.user.has_perm(REVIEW),
    }
    return render(request, "console/tip.html", context, status=status)


@console_view(VIEW_INBOUND)
def tip_detail(request, tip_id):
    return _render_tip(request, _tip_or_404(tip_id))


@console_view(REVIEW)
@require_POST
def tip_convert(request, tip_id):
    tip = _tip_or_404(tip_id)
    form = TipConvertForm(request.POST, tip=tip)
    if form.is_valid():
        try:
            nomination = convert_tip_to_nomination(tip=tip, actor=request.user, draft=form.draft())
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The tip is now nomination %(reference)s.") % {"reference": nomination.reference})
            return redirect("console:nomination", reference=nomination.reference)
    return _render_tip(request, tip, convert_form=form, status=400)


@console_view(REVIEW)
@require_POST
def tip_archive(request, tip_id):
    tip = _tip_or_404(tip_id)
    reopen = request.POST.get("action") == "reopen"
    form = TipArchiveForm(request.POST if not reopen else {"reason": request.POST.get("reason") or "-"})
    if form.is_valid():
        try:
            set_tip_state(tip=tip, state=TipState.OPEN if reopen else TipState.ARCHIVED, actor=request.user,
                          reason=form.cleaned_data["reason"])
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The tip was reopened.") if reopen else _("The tip was archived."))
            return redirect("console:tip", tip_id=tip.pk)
    return _render_tip(request, tip, archive_form=form, status=400)
