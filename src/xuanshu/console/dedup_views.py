"""Nominee records in the console: the nominee page, and editors' merge, split, undo and dismiss actions.

Viewers read; editors (nominations.review_nomination) act. Each action is a POST that calls one service
and redirects back (to `next` when it is a page of this site, else to the nominee).
"""
from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from xuanshu.console.activity import present_activity
from xuanshu.console.views import REVIEW, console_view
from xuanshu.core.errors import DomainError
from xuanshu.nominations.dedup import selectors, services
from xuanshu.nominations.dedup.models import ChangeKind, MergeSuggestion, Nominee, NomineeChange, NomineeMembership
from xuanshu.nominations.models import Nomination
from xuanshu.nominations.references import TYPED_REFERENCE_MAX_CHARS, read_typed_reference


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), required=False, max_length=500)


class MergeIntoForm(ReasonForm):
    # As long as the status lookup reads: a reference typed in full width or with spaces is longer than 32 characters.
    other = forms.CharField(
        label=gettext_lazy("Reference of a nomination of the other nominee"), max_length=TYPED_REFERENCE_MAX_CHARS,
        help_text=gettext_lazy("Its nominee, with all of its nominations, is merged into this one."),
    )

    def __init__(self, *args, reference_prefix: str = "", **kwargs):
        self.reference_prefix = reference_prefix
        super().__init__(*args, **kwargs)

    def clean_other(self) -> str:
        """The reference read as the status lookup reads it: full-width, spaced, lower case or without a dash."""
        return read_typed_reference(self.cleaned_data["other"], prefix=self.reference_prefix)


def _back(request, fallback: str):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect(fallback)


def _reason(request) -> str:
    form = ReasonForm(request.POST)
    return form.cleaned_data["reason"] if form.is_valid() else ""


def _get_or_404(queryset, message: str, **lookup):
    try:
        return queryset.get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404(message) from None


@console_view()
def nominee_detail(request, nominee_id):
    try:
        nominee = selectors.nominee_for_console(nominee_id)
    except Nominee.DoesNotExist:
        raise Http404(_("No such nominee.")) from None
    context = {
        "nominee": nominee,
        "current": selectors.resolve_nominee(nominee),
        "summary": selectors.nominee_summary(nominee),
        "nominations": selectors.nominee_nominations(nominee),
        "suggestions": selectors.open_suggestions(nominee),
        "changes": selectors.nominee_changes(nominee),
        "activity": present_activity(selectors.nominee_activity(nominee)[:50]),
        "merge_form": MergeIntoForm(),
    }
    return render(request, "console/nominee.html", context)


@console_view(REVIEW)
@require_POST
def nominee_merge_into(request, nominee_id):
    """Merge the nominee of the nomination named in the form into this nominee."""
    target = _get_or_404(Nominee.objects.select_related("campaign"), _("No such nominee."), pk=nominee_id)
    form = MergeIntoForm(request.POST, reference_prefix=target.campaign.reference_prefix)
    if not form.is_valid() or not form.cleaned_data["other"]:
        messages.error(request, _("Enter the reference of a nomination of the other nominee."))
        return redirect("console:nominee", nominee_id=target.pk)
    reference = form.cleaned_data["other"]
    membership = NomineeMembership.objects.select_related("nominee").filter(nomination__reference=reference).first()
    if membership is None:
        messages.error(request, _("No nominee has a nomination %(reference)s.") % {"reference": reference})
        return redirect("console:nominee", nominee_id=target.pk)
    try:
        services.merge_nominees(source=membership.nominee, target=target, actor=request.user, reason=form.cleaned_data["reason"])
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The nominees were merged."))
    return redirect("console:nominee", nominee_id=target.pk)


@console_view(REVIEW)
@require_POST
def suggestion_merge(request, suggestion_id):
    suggestion = _get_or_404(MergeSuggestion.objects.select_related("nominee_a", "nominee_b"), _("No such suggestion."), pk=suggestion_id)
    try:
        change = services.accept_suggestion(suggestion=suggestion, actor=request.user, reason=_reason(request))
    except DomainError as error:
        messages.error(request, error.message)
        return _back(request, reverse("console:nominee", args=[suggestion.nominee_a_id]))
    messages.success(request, _("The nominees were merged."))
    return _back(request, reverse("console:nominee", args=[change.target_id]))


@console_view(REVIEW)
@require_POST
def suggestion_dismiss(request, suggestion_id):
    suggestion = _get_or_404(MergeSuggestion.objects, _("No such suggestion."), pk=suggestion_id)
    try:
        services.dismiss_suggestion(suggestion=suggestion, actor=request.user, reason=_reason(request))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The suggestion was dismissed: these are different nominees."))
    return _back(request, reverse("console:nominee", args=[suggestion.nominee_a_id]))


@console_view(REVIEW)
@require_POST
def nomination_split(request, reference):
    nomination = _get_or_404(Nomination.objects, _("No such nomination."), reference=reference)
    try:
        change = services.split_nomination(nomination=nomination, actor=request.user, reason=_reason(request))
    except DomainError as error:
        messages.error(request, error.message)
        return _back(request, reverse("console:nomination", args=[reference]))
    messages.success(request, _("The nomination now has a nominee of its own."))
    return _back(request, reverse("console:nominee", args=[change.target_id]))


@console_view(REVIEW)
@require_POST
def nomination_assign(request, reference):
    """Look for this nomination's nominee now (normally done right after it arrives or is corrected)."""
    nomination = _get_or_404(Nomination.objects, _("No such nomination."), reference=reference)
    assignment = services.assign_nominee(nomination_id=nomination.pk)
    if assignment.nominee is None:
        messages.error(request, _("The nomination has no nominee name yet: correct the name first."))
    else:
        messages.success(request, _("The nomination is linked to its nominee."))
    return redirect("console:nomination", reference=reference)


@console_view(REVIEW)
@require_POST
def change_undo(request, change_id):
    change = _get_or_404(NomineeChange.objects, _("No such change."), pk=change_id)
    try:
        services.undo_change(change=change, actor=request.user, reason=_reason(request))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The merge was undone.") if change.kind == ChangeKind.MERGE else _("The split was undone."))
    return _back(request, reverse("console:nominee", args=[change.source_id]))


urlpatterns = [
    path("nominees/<int:nominee_id>/", nominee_detail, name="nominee"),
    path("nominees/<int:nominee_id>/merge/", nominee_merge_into, name="nominee_merge_into"),
    path("nominee-suggestions/<int:suggestion_id>/merge/", suggestion_merge, name="suggestion_merge"),
    path("nominee-suggestions/<int:suggestion_id>/dismiss/", suggestion_dismiss, name="suggestion_dismiss"),
    path("nominee-changes/<int:change_id>/undo/", change_undo, name="nominee_change_undo"),
    path("nominations/<str:reference>/split/", nomination_split, name="nomination_split"),
    path("nominations/<str:reference>/assign/", nomination_assign, name="nomination_assign"),
]
