"""The fraud dashboard: suspicious clusters of votes, the votes in each, and reversible one-click decisions.

Viewers read; editors (nominations.review_nomination) decide. Every decision goes through a voting service
that writes the chained decision row and the audit log in one transaction.
"""
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from xuanshu.campaigns.models import Campaign
from xuanshu.console.views import REVIEW, console_view
from xuanshu.core.errors import DomainError
from xuanshu.voting import selectors
from xuanshu.voting.enums import WEAKER_METHODS, DecisionAction, IdentityMethod, Reason, Rule, VoteStatus
from xuanshu.voting.models import Candidate, CandidateTally, VoteDecision, Voter
from xuanshu.voting.services import decide_votes, mark_voter_fraud, open_ballot, plan_decision, reverse_decision

DIMENSION_FIELDS = selectors.CLUSTER_KEY_COLUMNS
DIMENSION_LABELS = {"candidate": gettext_lazy("By candidate"), "subnet": gettext_lazy("By subnet"),
                    "device": gettext_lazy("By device"), "time": gettext_lazy("By hour"),
                    "user_agent": gettext_lazy("By user agent"), "voter": gettext_lazy("By voter")}
STATUSES = [VoteStatus.QUARANTINED, VoteStatus.ACCEPTED, VoteStatus.FRAUD]
CLUSTER_LIMIT = 50  # clusters shown, largest first
VOTES_LIMIT = 200  # a cluster's votes shown, newest first
# The reason goes into the public audit record with the decision (`votes export`): a cluster of a network, a user
# agent or a voter is named there by the start of its hash, as the decision's selection names it, never by the
# network, the agent's text or the voter's masked number that the dashboard shows.
UNPUBLISHED_LABELS = {"subnet", "user_agent", "voter"}
WINDOW_LABELS = {"1h": gettext_lazy("Last hour"), "24h": gettext_lazy("Last 24 hours"),
                 "7d": gettext_lazy("Last 7 days"), "all": gettext_lazy("Whole vote")}


def _campaign(request) -> Campaign:
    campaigns = Campaign.objects.order_by("-year", "slug")
    slug = request.GET.get("campaign") or request.POST.get("campaign")
    campaign = campaigns.filter(slug=slug).first() if slug else (campaigns.filter(ballot__isnull=False).first() or campaigns.first())
    if campaign is None:
        raise Http404(_("No campaign."))
    return campaign


def _dashboard_url(campaign, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"campaign": campaign.slug, **params}.items() if v)
    return f"{reverse('console:voting')}?{query}"


@console_view()
def dashboard(request):
    campaign = _campaign(request)
    dimension = request.GET.get("by", "subnet")
    dimension = dimension if dimension in DIMENSION_FIELDS else "subnet"
    status = request.GET.get("status", VoteStatus.QUARANTINED)
    status = status if status in STATUSES else VoteStatus.QUARANTINED
    window = request.GET.get("window", "")
    window = window if window in selectors.WINDOWS else selectors.default_window(status)
    # The window is fixed when the page is drawn: its links and buttons act on the votes it counted, not on
    # votes cast since or on older ones outside it.
    until = timezone.now()
    since = until - selectors.WINDOWS[window] if selectors.WINDOWS[window] else None
    candidates = {c.pk: c for c in Candidate.objects.filter(campaign=campaign)}
    # One more than shown, to know whether the list was cut.
    snapshot = status == VoteStatus.ACCEPTED and since is None
    if snapshot:  # the counted votes of the whole vote: read from a snapshot, which fixes the window at its time
        clusters, until = selectors.whole_vote_clusters(campaign.pk, dimension, limit=CLUSTER_LIMIT + 1,
                                                        refresh=request.GET.get("refresh") == "1")
    else:
        clusters = selectors.suspicious_clusters(campaign.pk, dimension, status=status, since=since, until=until,
                                                 limit=CLUSTER_LIMIT + 1)
    window_params = {"since": since.isoformat() if since else "", "until": until.isoformat()}
    clusters_cut = len(clusters) > CLUSTER_LIMIT
    clusters = clusters[:CLUSTER_LIMIT]
    voter_labels = _voter_labels(campaign, {c["voter_hash"] for c in clusters}) if dimension == "voter" else {}
    for cluster in clusters:
        value = cluster[DIMENSION_FIELDS[dimension]]
        cluster["value"] = value.isoformat() if dimension == "time" else value
        cluster["label"] = voter_labels.get(value) or _cluster_label(dimension, cluster, candidates)
        published = (f"{DIMENSION_LABELS[dimension]} {cluster['value'][:12]}…" if dimension in UNPUBLISHED_LABELS
                     else cluster["label"])
        cluster["suggested_reason"] = _("%(votes)s %(status)s votes %(label)s reviewed on the fraud dashboard") % {
            "votes": cluster["votes"], "status": VoteStatus(status).label, "label": published}
    tallies = list(CandidateTally.objects.filter(candidate__campaign=campaign).select_related("candidate").order_by("candidate__number"))
    weaker = selectors.weaker_counted(campaign.pk)
    for tally in tallies:
        tally.weaker = weaker.get(tally.candidate_id, 0)
    decisions = list(selectors.recent_decisions(campaign.pk))
    for decision in decisions:
        decision.reason_shown = _decision_reason(decision)
        decision.actor_shown = _("Automatic check") if decision.actor_label == "sweeper" else decision.actor_label
        decision.can_reverse = (decision.action != DecisionAction.REVERSE and not decision.reversals.all()
                                and selectors.still_reversible(decision))
    context = {
        "campaign": campaign, "campaigns": Campaign.objects.order_by("-year", "slug"),
        "has_ballot": hasattr(campaign, "ballot"), "dimension": dimension, "dimensions": DIMENSION_LABELS,
        "status": status, "statuses": [(s, VoteStatus(s).label) for s in STATUSES], "clusters": clusters,
        "window": window, "windows": WINDOW_LABELS, "window_params": window_params,
        "window_since": since, "snapshot_at": until if snapshot else None,
        "snapshot_minutes": selectors.WHOLE_VOTE_SNAPSHOT_SECONDS // 60,
        "tallies": tallies, "decisions": decisions, "clusters_cut": clusters_cut,
        "cluster_limit": CLUSTER_LIMIT,
        "weaker_methods": [IdentityMethod(m).label for m in WEAKER_METHODS],
        "rules": Rule.choices, "can_decide": request.user.has_perm(REVIEW),
        "actions": _actions_for(status),
    }
    return render(request, "console/voting/dashboard.html", context)


def _actions_for(status: str) -> list[tuple[str, str]]:
    moves = {
        VoteStatus.QUARANTINED: [DecisionAction.RELEASE, DecisionAction.CONFIRM_FRAUD],
        VoteStatus.ACCEPTED: [DecisionAction.QUARANTINE, DecisionAction.CONFIRM_FRAUD],
        VoteStatus.FRAUD: [DecisionAction.RELEASE],
    }[status]
    return [(action.value, action.label) for action in moves]


def _cluster_label(dimension: str, cluster: dict, candidates: dict) -> str:
    if dimension == "candidate":
        candidate = candidates.get(cluster["candidate_id"])
        return str(candidate) if candidate else "—"
    if dimension == "subnet":
        return cluster.get("subnet") or "—"
    if dimension == "user_agent":
        return (cluster.get("user_agent") or "—")[:80]
    if dimension == "time":
        start = timezone.localtime(cluster["hour"])
        return f"{start:%Y-%m-%d %H:%M}–{timezone.localtime(cluster['hour'] + selectors.HOUR):%H:%M}"
    return f"{cluster[DIMENSION_FIELDS[dimension]][:12]}…"


def _selection_label(campaign, dimension: str, value: str) -> str:
    """How the dashboard named this cluster, for the page that confirms a decision on it."""
    if dimension == "time":
        return _cluster_label("time", {"hour": selectors.aware_time(value)}, {})
    if dimension == "candidate":
        return _cluster_label("candidate", {"candidate_id": int(value)},
                              {c.pk: c for c in Candidate.objects.filter(campaign=campaign, pk=int(value))})
    if dimension == "voter":
        return _voter_labels(campaign, [value]).get(value) or f"{value[:12]}…"
    if dimension in {"subnet", "user_agent"}:
        column = "subnet" if dimension == "subnet" else "user_agent"
        shown = selectors.LedgerEntry.objects.filter(campaign=campaign, **{DIMENSION_FIELDS[dimension]: value}).values_list(
            column, flat=True).first()
        return _cluster_label(dimension, {column: shown}, {})
    return f"{value[:12]}…"


def _voter_labels(campaign, voter_hashes) -> dict[str, str]:
    """The masked hint of each voter (138****1234, wx…a1b2): never the phone or openid itself."""
    return dict(Voter.objects.filter(campaign=campaign, voter_hash__in=voter_hashes).values_list("voter_hash", "label"))


def _decision_reason(decision) -> str:
    """The sweeper writes its reason in English into the chained row; editors read it in their language."""
    rule = decision.selection.get("rule") if isinstance(decision.selection, dict) else None
    if decision.actor_id is None and decision.actor_label == "sweeper" and rule in Rule.values:
        return _("Earlier votes of a cluster that later tripped the rule “%(rule)s”") % {"rule": Rule(rule).label}
    return decision.reason


@console_view()
def cluster_votes(request):
    campaign = _campaign(request)
    dimension = request.GET.get("by", "")
    if dimension not in DIMENSION_FIELDS:
        raise Http404(_("Unknown cluster."))
    value = request.GET.get("value", "")
    status = request.GET.get("status", "")
    selection = _selection(dimension, value, request.GET)
    votes = list(selectors.cluster_votes(campaign.pk, selection.filters, since=selection.since, until=selection.until,
                                         status=status, limit=VOTES_LIMIT + 1))
    votes_cut = len(votes) > VOTES_LIMIT
    votes = votes[:VOTES_LIMIT]
    labels = _voter_labels(campaign, {v.voter_hash for v in votes})
    for vote in votes:
        vote.voter_label = labels.get(vote.voter_hash, "")
        vote.reason_labels = [Rule(flag).label for flag in vote.flags.split(",") if flag in Rule.values]
        if vote.reason:
            vote.reason_labels.append(Reason(vote.reason).label if vote.reason in Reason.values else vote.reason)
        vote.weaker = vote.method in WEAKER_METHODS
    window = request.GET.get("window", "")
    context = {"campaign": campaign, "dimension": dimension, "value": value, "status": status, "votes": votes,
               "window": window if window in selectors.WINDOWS else "", "votes_cut": votes_cut,
               "votes_limit": VOTES_LIMIT,
               "can_decide": request.user.has_perm(REVIEW), "dimension_label": DIMENSION_LABELS[dimension]}
    return render(request, "console/voting/cluster.html", context)


@console_view(REVIEW)
@require_POST
def decide(request):
    campaign = _campaign(request)
    dimension = request.POST.get("by", "")
    status = request.POST.get("status", "")
    if dimension not in DIMENSION_FIELDS or status not in STATUSES:
        raise Http404(_("Unknown cluster."))
    selection = _selection(dimension, request.POST.get("value", ""), request.POST)
    window = request.POST.get("window", "")
    window = window if window in selectors.WINDOWS else ""
    action = request.POST.get("action", "")
    if action == DecisionAction.CONFIRM_FRAUD and request.POST.get("confirmed") != "1":
        return _confirm_fraud(request, campaign, dimension, status, window, selection)
    try:
        decision = decide_votes(
            campaign=campaign, action=action, actor=request.user,
            reason=request.POST.get("reason", ""), cluster=selection.filters, since=selection.since,
            until=selection.until, status=status, flag=request.POST.get("flag", ""),
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if decision.voter_changes:
            messages.success(request, _("Decision #%(seq)s: %(count)s votes moved and %(voters)s voters marked as "
                                        "fraud (弊). It can be reversed below.")
                             % {"seq": decision.seq, "count": len(decision.changes), "voters": len(decision.voter_changes)})
        else:
            messages.success(request, _("Decision #%(seq)s: %(count)s votes moved. It can be reversed below.")
                             % {"seq": decision.seq, "count": len(decision.changes)})
    return redirect(_dashboard_url(campaign, by=dimension, status=status, window=window))


def _confirm_fraud(request, campaign, dimension, status, window, selection):
    """Confirming fraud blocks every voter in the cluster and excludes all their votes: show how many before it
    is done, and ask for the editor's own reason."""
    try:
        plan = plan_decision(campaign=campaign, action=DecisionAction.CONFIRM_FRAUD, cluster=selection.filters,
                             since=selection.since, until=selection.until, status=status)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(_dashboard_url(campaign, by=dimension, status=status, window=window))
    hidden = {name: request.POST.get(name, "") for name in ["campaign", "by", "value", "status", "window", "since", "until"]}
    context = {"campaign": campaign, "plan": plan, "hidden": hidden, "dimension_label": DIMENSION_LABELS[dimension],
               "cluster_label": _selection_label(campaign, dimension, request.POST.get("value", "")),
               "status_label": VoteStatus(status).label, "since": selection.since, "until": selection.until,
               "back": _dashboard_url(campaign, by=dimension, status=status, window=window)}
    return render(request, "console/voting/confirm_fraud.html", context)


def _selection(dimension: str, value: str, params) -> selectors.ClusterSelection:
    try:
        return selectors.cluster_selection(dimension, value, since=params.get("since", ""), until=params.get("until", ""))
    except ValueError:
        raise Http404(_("Unknown cluster.")) from None


@console_view(REVIEW)
@require_POST
def voter_fraud(request):
    campaign = _campaign(request)
    try:
        decision = mark_voter_fraud(campaign=campaign, voter_hash=request.POST.get("voter", ""), actor=request.user,
                                    reason=request.POST.get("reason", ""))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Decision #%(seq)s: voter marked as fraud, %(count)s votes excluded.")
                         % {"seq": decision.seq, "count": len(decision.changes)})
    return redirect(_dashboard_url(campaign, by="voter", status=VoteStatus.FRAUD))


@console_view(REVIEW)
@require_POST
def reverse_vote_decision(request, decision_id):
    decision = VoteDecision.objects.filter(pk=decision_id).select_related("campaign").first()
    if decision is None:
        raise Http404(_("No such decision."))
    try:
        reversal = reverse_decision(decision=decision, actor=request.user, reason=request.POST.get("reason", ""))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Decision #%(seq)s reversed by decision #%(new)s.") % {"seq": decision.seq, "new": reversal.seq})
    by, status, window = (request.POST.get(name, "") for name in ["by", "status", "window"])
    return redirect(_dashboard_url(decision.campaign, by=by if by in DIMENSION_FIELDS else "",
                                   status=status if status in STATUSES else "",
                                   window=window if window in selectors.WINDOWS else ""))


@console_view(REVIEW)
@require_POST
def open_campaign_ballot(request):
    campaign = _campaign(request)
    try:
        open_ballot(campaign=campaign, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The ballot is open: the shortlisted nominations are now candidates."))
    return redirect(_dashboard_url(campaign))
