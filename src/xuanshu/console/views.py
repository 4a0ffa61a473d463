"""The editors' console: thin views that parse input with forms, call selectors and services, and render."""
import json
import math
from functools import wraps

from axes.helpers import get_cool_off
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from xuanshu.console.activity import actor_label, present_activity, present_contact_reveals, with_contact_reveals
from xuanshu.console.exports import csv_response, export_rows, xlsx_response
from xuanshu.console.forms import (
    BATCH_TARGETS,
    LOCAL_TZ,
    BatchMoveForm,
    ConsoleAuthenticationForm,
    ExportForm,
    InboundFilterForm,
    NominationEditForm,
    NoteForm,
    QueueFilterForm,
    StateChangeForm,
)
from xuanshu.console.redaction import (
    evidence_with_identifiers_masked,
    raw_message_display,
    refused_file_notices,
    revealed_fields,
)
from xuanshu.core.errors import DomainError
from xuanshu.core.phones import display_phone
from xuanshu.core.redaction import redact_personal_data
from xuanshu.core.selectors import contact_reveals
from xuanshu.core.services import log_contact_access
from xuanshu.intake.enums import Channel, InboundStatus
from xuanshu.intake.models import Attachment, InboundFile, InboundMessage
from xuanshu.intake.selectors import kept_file_for_console
from xuanshu.intake.services import process_inbound
from xuanshu.nominations.dedup.selectors import nominee_panel
from xuanshu.nominations.enums import REASON_REQUIRED, TRANSITIONS, NominationState
from xuanshu.nominations.extraction.evidence import evidence_for_console
from xuanshu.nominations.models import Nomination
from xuanshu.nominations.selectors import (
    attachment_for_console,
    follow_ups_in_sent_order,
    inbound_activity,
    inbound_for_console,
    inbound_queue,
    last_state_change,
    nomination_activity,
    nomination_for_console,
    nominations_for_export,
    review_queue,
)
from xuanshu.nominations.services import (
    EditConflict,
    StaleState,
    add_nomination_note,
    move_nominations,
    set_nomination_state,
    update_nomination_fields,
)

PAGE_SIZE = 50
VIEW_NOMINATION = "nominations.view_nomination"
REVIEW = "nominations.review_nomination"
VIEW_CONTACT = "nominations.view_contact"
EXPORT = "nominations.export_nomination"
ADD_NOTE = "nominations.add_nominationnote"
VIEW_INBOUND = "intake.view_inboundmessage"
NOMINATION_CONTACT_FIELDS = ("nominator_phone", "nominator_email")
INBOUND_CONTACT_FIELDS = ("sender", "raw_message")
FOLLOW_UP_CONTACT_FIELDS = ("raw_message",)  # its text, as a nomination's page shows it


def console_view(permission: str | None = None):
    """Staff who may view nominations (and hold `permission`, if given); times in Asia/Shanghai; never cached."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not (user.is_staff and user.has_perm(VIEW_NOMINATION)):
                raise PermissionDenied
            if permission and not user.has_perm(permission):
                raise PermissionDenied
            with timezone.override(LOCAL_TZ):
                response = view(request, *args, **kwargs)
            add_never_cache_headers(response)
            return response

        return wrapped

    return decorate


def _client_address(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _history(request, activity: list, subject, *, limit: int | None = None) -> list:
    """A record's history (its newest `limit` rows), with the logged reveals of its contacts among the rows for
    staff who may reveal them; others see no reveals."""
    if not request.user.has_perm(VIEW_CONTACT):
        return activity[:limit]
    reveals = present_contact_reveals(contact_reveals(subject)[:limit])
    return with_contact_reveals(activity, reveals)[:limit]


# --- sign-in -----------------------------------------------------------------------------------------

class LoginView(auth_views.LoginView):
    template_name = "console/login.html"
    authentication_form = ConsoleAuthenticationForm


def login_locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout response (AXES_LOCKOUT_CALLABLE): the sign-in page, saying how long to wait."""
    cool_off = get_cool_off(request)
    minutes = math.ceil(cool_off.total_seconds() / 60) if cool_off else None
    context = {"form": ConsoleAuthenticationForm(request), "locked_out": True, "lockout_minutes": minutes}
    return render(request, "console/login.html", context, status=429)


# --- review queue and export -------------------------------------------------------------------------

@console_view()
@require_http_methods(["GET", "HEAD", "POST"])
def queue(request):
    """The queue (GET); a POST to the same address, filters and page included, moves the ticked rows."""
    if request.method == "POST":
        return queue_move(request)
    return _render_queue(request)


def _render_queue(request, *, move_form=None, status=200):
    form = QueueFilterForm(request.GET, contact_search=request.user.has_perm(VIEW_CONTACT))
    form.is_valid()
    page = Paginator(review_queue(form.queue_filters()), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form, "page": page, "move_form": move_form or BatchMoveForm(),
        "ticked": set(move_form.cleaned_data.get("selected", {})) if move_form is not None else set(),  # after is_valid()
        "reason_states": [state.value for state in BATCH_TARGETS if state in REASON_REQUIRED],
        "reason_labels": "、".join(f"“{state.label}”" for state in BATCH_TARGETS if state in REASON_REQUIRED),
        # Asked before the ticked rows go to a state nothing leaves (withdrawn).
        "final_states": [state.value for state in BATCH_TARGETS if not TRANSITIONS[state]],
        "final_question": _("The ticked nominations will be moved to %(states)s, and cannot be moved to any other state "
                            "after that. Continue?") % {
            "states": "、".join(f"“{state.label}”" for state in BATCH_TARGETS if not TRANSITIONS[state])},
    }
    return render(request, "console/queue.html", context, status=status)


@console_view(REVIEW)  # the single move's permission, checked the same way
def queue_move(request):
    """Move the ticked rows one by one (see move_nominations), then show the queue as it was, with what moved and
    what was skipped and why. A form error shows the same page again with the ticks and the reason kept."""
    form = BatchMoveForm(request.POST)
    if not form.is_valid():
        return _render_queue(request, move_form=form, status=400)
    try:
        result = move_nominations(
            shown_states=form.cleaned_data["selected"], new_state=form.cleaned_data["new_state"],
            actor=request.user, reason=form.cleaned_data["reason"],
        )
    except DomainError as error:
        form.add_error(None, error.message)
        return _render_queue(request, move_form=form, status=400)
    _report_batch_move(request, result)
    return redirect(request.get_full_path())


def _report_batch_move(request, result) -> None:
    state = NominationState(result.new_state).label
    if result.moved:
        messages.success(request, ngettext(
            "Moved %(count)d nomination to “%(state)s”.", "Moved %(count)d nominations to “%(state)s”.", len(result.moved),
        ) % {"count": len(result.moved), "state": state})
    else:
        messages.error(request, _("No nomination was moved."))
    why: dict[str, list[str]] = {}
    for skipped in result.skipped:
        why.setdefault(skipped.message, []).append(skipped.reference)
    for reason, references in why.items():
        messages.warning(request, _("Not moved: %(references)s. %(reason)s") % {
            "references": "、".join(references), "reason": reason})


@console_view(EXPORT)
def export(request):
    form = ExportForm(request.GET, contact_search=request.user.has_perm(VIEW_CONTACT))
    if not form.is_valid():
        return HttpResponseBadRequest(_("The export filters are not valid."), content_type="text/plain; charset=utf-8")
    reveal = form.cleaned_data["include_contacts"] and request.user.has_perm(VIEW_CONTACT)
    rows = export_rows(
        nominations_for_export(form.queue_filters()),
        reveal_contacts=reveal, user=request.user, ip_address=_client_address(request),
    )
    kind = form.cleaned_data["format"]
    filename = f"nominations-{timezone.localtime(timezone.now(), LOCAL_TZ):%Y%m%d-%H%M}.{kind}"
    if kind == "xlsx":
        return xlsx_response(rows, filename=filename)
    return csv_response(rows, filename=filename)


# --- one nomination ----------------------------------------------------------------------------------

def _nomination_or_404(reference: str) -> Nomination:
    try:
        return nomination_for_console(reference)
    except Nomination.DoesNotExist:
        raise Http404(_("No such nomination.")) from None


def _allowed_moves(state: str) -> list[dict]:
    return [
        {"state": target.value, "label": target.label, "needs_reason": target in REASON_REQUIRED,
         "confirm": _final_move_question(target)}
        for target in NominationState
        if target in TRANSITIONS[state]
    ]


def _final_move_question(target: NominationState) -> str:
    """The question asked before a move to a state nothing leaves (withdrawn): one click there cannot be undone."""
    if TRANSITIONS[target]:
        return ""
    return _("After “%(state)s” this nomination cannot be moved to any other state. Move it to “%(state)s”?") % {
        "state": target.label}


def _follow_ups(nomination, *, reveal: bool) -> list:
    follow_ups = list(follow_ups_in_sent_order(nomination.pk).select_related("inbound").prefetch_related(
        "inbound__attachments", "inbound__files", "inbound__refused_files",
    ))
    for follow_up in follow_ups:
        follow_up.masked_text = follow_up.text if reveal else redact_personal_data(follow_up.text)
        follow_up.refused_notices = refused_file_notices(follow_up.inbound, reveal=reveal)
    return follow_ups


def _render_nomination(request, nomination, *, reveal=False, edit_form=None, state_form=None, note_form=None, status=200):
    can_review = request.user.has_perm(REVIEW)
    if edit_form is None and can_review:
        edit_form = NominationEditForm(nomination=nomination, reveal=reveal)
    evidence = evidence_for_console(nomination, reveal=reveal)
    context = {
        "nomination": nomination,
        "inbound": nomination.inbound,
        "raw": raw_message_display(nomination.inbound, reveal=reveal),
        "evidence": evidence if reveal else evidence_with_identifiers_masked(evidence),
        "contact_revealed": reveal,
        "phone": display_phone(nomination.nominator_phone) if reveal else nomination.masked_phone,
        "email": nomination.nominator_email if reveal else nomination.masked_email,
        "edit_form": edit_form,
        "moves": _allowed_moves(nomination.state) if can_review else [],
        "state_form": state_form or StateChangeForm(nomination=nomination),
        "note_form": note_form or NoteForm(),
        "activity": _history(request, present_activity(nomination_activity(nomination)), nomination),
        "follow_ups": _follow_ups(nomination, reveal=reveal),
        "nominee_panel": nominee_panel(nomination),
    }
    return render(request, "console/nomination.html", context, status=status)


@console_view()
def nomination_detail(request, reference):
    return _render_nomination(request, _nomination_or_404(reference))


@console_view(VIEW_CONTACT)
@require_POST
def nomination_contact(request, reference):
    """Show the unmasked contacts (and the identifiers in the text) once, and log that this user saw them."""
    nomination = _nomination_or_404(reference)
    address = _client_address(request)
    log_contact_access(
        user=request.user, subjects=[nomination], fields=revealed_fields(nomination, NOMINATION_CONTACT_FIELDS),
        purpose="detail", ip_address=address,
    )
    # The page also shows its raw message and the follow-up messages unmasked: each is logged as its own reveal.
    log_contact_access(user=request.user, subjects=[nomination.inbound], fields=INBOUND_CONTACT_FIELDS, purpose="detail",
                       ip_address=address)
    follow_ups = [follow_up.inbound for follow_up in nomination.follow_ups.select_related("inbound")]
    log_contact_access(user=request.user, subjects=follow_ups, fields=FOLLOW_UP_CONTACT_FIELDS, purpose="detail",
                       ip_address=address)
    return _render_nomination(request, nomination, reveal=True)


@console_view(REVIEW)
@require_POST
def nomination_edit(request, reference):
    nomination = _nomination_or_404(reference)
    form = NominationEditForm(request.POST, nomination=nomination)
    if form.is_valid():
        changes = form.changes()
        try:
            update_nomination_fields(
                nomination=nomination, actor=request.user, changes=changes, reason=form.cleaned_data["reason"],
                loaded=form.cleaned_data["loaded"],
            )
        except EditConflict as conflict:
            nomination = _nomination_or_404(reference)
            form.rebase(nomination, mine=changes)
            form.add_error(None, _("Another editor changed %(fields)s after you opened this page. Nothing was saved: "
                                   "the form keeps your version, the history below shows theirs. "
                                   "Save again to keep yours.") % {
                "fields": "、".join(str(form.fields[name].label) for name in conflict.fields)})
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The nomination was saved."))
            return redirect("console:nomination", reference=reference)
    return _render_nomination(request, nomination, edit_form=form, status=400)


@console_view(REVIEW)
@require_POST
def nomination_state(request, reference):
    """Move the nomination from the state the page showed; if it has left that state since, move nothing and show
    the page again as it is now, saying who moved it, with the reason typed kept."""
    nomination = _nomination_or_404(reference)
    form = StateChangeForm(request.POST, nomination=nomination)
    if form.is_valid():
        try:
            set_nomination_state(
                nomination=nomination, new_state=form.cleaned_data["new_state"],
                actor=request.user, reason=form.cleaned_data["reason"],
                expected_state=form.cleaned_data["expected_state"],
            )
        except StaleState:
            nomination = _nomination_or_404(reference)
            form.rebase(nomination)
            messages.error(request, _stale_state_message(nomination, shown=form.cleaned_data["expected_state"]))
            return _render_nomination(request, nomination, state_form=form, status=409)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The nomination is now “%(state)s”.") % {"state": nomination.get_state_display()})
            return redirect("console:nomination", reference=reference)
    else:
        if "new_state" in form.errors:
            messages.error(request, _("Choose one of the offered states."))
        if "expected_state" in form.errors:
            form.rebase(nomination)  # the message names the current state, so the next try is made knowingly
            for error in form.errors["expected_state"]:
                messages.error(request, error)
    return _render_nomination(request, nomination, state_form=form, status=400)


def _stale_state_message(nomination, *, shown: str) -> str:
    states = {"shown": NominationState(shown).label, "current": nomination.get_state_display()}
    change = last_state_change(nomination)
    if change is None or (change.new_value or {}).get("state") != nomination.state:
        return _("Nothing was changed: this nomination was moved after you opened the page. You saw “%(shown)s”; "
                 "it is now “%(current)s”. Check it and choose again; your reason is kept.") % states
    return _("Nothing was changed: this nomination was moved after you opened the page. You saw “%(shown)s”; "
             "%(actor)s moved it to “%(current)s” at %(time)s. Check it and choose again; your reason is kept.") % {
        **states, "actor": actor_label(change), "time": timezone.localtime(change.created_at).strftime("%Y-%m-%d %H:%M"),
    }


@console_view(ADD_NOTE)
@require_POST
def nomination_note(request, reference):
    nomination = _nomination_or_404(reference)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            add_nomination_note(nomination=nomination, author=request.user, body=form.cleaned_data["body"])
        except DomainError as error:
            form.add_error("body", error.message)
        else:
            messages.success(request, _("The note was added."))
            return redirect("console:nomination", reference=reference)
    return _render_nomination(request, nomination, note_form=form, status=400)


@console_view()
def attachment(request, attachment_id):
    """Stream a stored photo to staff; uploads are never served from a public media URL."""
    try:
        stored = attachment_for_console(attachment_id)
        handle = stored.file.open("rb")
    except (Attachment.DoesNotExist, FileNotFoundError):
        raise Http404(_("No such file.")) from None
    is_image = stored.content_type in ("image/jpeg", "image/png")
    return FileResponse(
        handle,
        content_type=stored.content_type if is_image else "application/octet-stream",
        as_attachment=not is_image,
        filename=f"{stored.pk}{stored.extension}",
    )


@console_view()
def kept_file(request, file_id):
    """Stream a kept voice message, video or document to staff. Audio and video a browser plays are served inline
    (sandboxed); anything else only as a download. Never from a public media URL."""
    try:
        stored = kept_file_for_console(file_id)
        handle = stored.file.open("rb")
    except (InboundFile.DoesNotExist, FileNotFoundError):
        raise Http404(_("No such file.")) from None
    response = FileResponse(
        handle,
        content_type=stored.content_type if stored.is_playable else "application/octet-stream",
        as_attachment=not stored.is_playable,
        filename=f"{stored.pk}{stored.extension}",
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- raw inbound messages ----------------------------------------------------------------------------

@console_view(VIEW_INBOUND)
def inbound_list(request):
    form = InboundFilterForm(request.GET)
    form.is_valid()
    filters = getattr(form, "cleaned_data", {})
    messages_queryset = inbound_queue(status=filters.get("status", ""), channel=filters.get("channel", ""))
    page = Paginator(messages_queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "console/inbound_list.html", {"form": form, "page": page})


def _inbound_or_404(inbound_id: int) -> InboundMessage:
    try:
        return inbound_for_console(inbound_id)
    except InboundMessage.DoesNotExist:
        raise Http404(_("No such message.")) from None


def _render_inbound(request, inbound, *, reveal=False):
    context = {"inbound": inbound, "raw": raw_message_display(inbound, reveal=reveal), "contact_revealed": reveal,
               "activity": _history(request, present_activity(inbound_activity(inbound)[:50]), inbound, limit=50)}
    return render(request, "console/inbound_detail.html", context)


@console_view(VIEW_INBOUND)
def inbound_detail(request, inbound_id):
    return _render_inbound(request, _inbound_or_404(inbound_id))


@console_view(VIEW_CONTACT)
@require_POST
def inbound_contact(request, inbound_id):
    """Show the raw message unmasked, and log that this user saw it."""
    inbound = _inbound_or_404(inbound_id)
    log_contact_access(
        user=request.user, subjects=[inbound], fields=INBOUND_CONTACT_FIELDS,
        purpose="detail", ip_address=_client_address(request),
    )
    return _render_inbound(request, inbound, reveal=True)


# How a downloaded raw record is labelled: never a type a browser renders, since the bytes are the sender's.
RAW_DOWNLOAD_TYPES = {
    Channel.EMAIL: ("message/rfc822", ".eml"),
    Channel.WECHAT: ("application/xml", ".xml"),
    Channel.API: ("application/json", ".json"),
}


@console_view(VIEW_CONTACT)
@require_POST
def inbound_raw_download(request, inbound_id):
    """The raw record byte for byte as a download (an e-mail as .eml, with the files that could not be kept); it holds
    contacts unmasked, so the download is logged like a reveal."""
    inbound = _inbound_or_404(inbound_id)
    if inbound.raw_body is not None:
        content_type, extension = RAW_DOWNLOAD_TYPES.get(inbound.channel, ("application/octet-stream", ".bin"))
        body = bytes(inbound.raw_body)
    elif inbound.payload is not None:  # a web form post or a hotline call: structured input, stored as JSON
        content_type, extension = "application/json", ".json"
        body = json.dumps(inbound.payload, ensure_ascii=False, indent=2).encode()
    else:
        raise Http404(_("This message has no raw record to download."))
    log_contact_access(
        user=request.user, subjects=[inbound], fields=INBOUND_CONTACT_FIELDS,
        purpose="download", ip_address=_client_address(request),
    )
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="inbound-{inbound.pk}{extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@console_view(REVIEW)
@require_POST
def inbound_reprocess(request, inbound_id):
    inbound = process_inbound(inbound_id=_inbound_or_404(inbound_id).pk, actor=request.user)
    if inbound.status == InboundStatus.FAILED:
        # Not the stored error itself: it is the pipeline's English and may quote the sender's input unmasked; the
        # page shows it, masked and explained, under "Error".
        messages.error(request, _("Processing failed again. Why is shown below, under “Error”."))
    else:
        messages.success(request, _("The message was processed."))
    return redirect("console:inbound", inbound_id=inbound.pk)
