"""Reads for the citizen voting pages (ballot, candidate gallery, profiles): the candidates as the public sees
them, with their counts under the campaign's display rule, and what the voter has left today."""
from django.urls import reverse

from xuanshu.nominations.models import Nomination
from xuanshu.public.photos import photos_for
from xuanshu.voting import selectors
from xuanshu.voting.config import VoteConfig, vote_config
from xuanshu.voting.enums import WEAKER_METHODS, CountDisplay, VoterState
from xuanshu.voting.models import Candidate, Voter
from xuanshu.voting.selectors import VoterDay


def ballot_is_open(slug: str) -> bool:
    """Whether the campaign has opened its ballot (its candidates are public), whatever the voting window."""
    return vote_config(slug) is not None


def ballot_candidates(config: VoteConfig) -> list[Candidate]:
    return list(selectors.ballot_candidates(config.campaign_id))


def active_candidate(config: VoteConfig, number: int) -> Candidate | None:
    """The candidate with this ballot number, or None when there is none or it was withdrawn."""
    return selectors.ballot_candidates(config.campaign_id).filter(number=number).first()


def candidate_county(candidate: Candidate) -> str:
    """The name of the county (or district, or zone) of the candidate's nomination, or "" without one."""
    if candidate.nomination_id is None:
        return ""
    return Nomination.objects.filter(pk=candidate.nomination_id).values_list("area__name", flat=True).first() or ""


def annotate_for_voter(config: VoteConfig, candidates: list[Candidate], voter: tuple[str, str] | None,
                       now: float) -> VoterDay | None:
    """Give each candidate `shown_count` ("" when hidden), `spent` (this voter's votes for it used today),
    `votes_left` (the votes this voter may still give it today) and `photo_url` ("" without a public photo);
    returns the voter's day, or None without a voter."""
    day = selectors.voter_day(config, voter[1], [c.pk for c in candidates], now) if voter else None
    counts = selectors.public_counts(config)
    photos = photos_for(candidates)
    for candidate in candidates:
        photo = photos.get(candidate.pk)
        # The stored image's digest in the address: browsers may keep the photo, and a new one gets a new address.
        candidate.photo_url = (f"{reverse('public:candidate_photo', args=[config.slug, candidate.number])}"
                               f"?v={photo.sha256[:12]}") if photo else ""
        candidate.shown_count = counts.get(candidate.pk, _zero_shown(config))
        used = day.used_for.get(candidate.pk, 0) if day else 0
        candidate.votes_left = max(config.votes_per_candidate_per_day - used, 0)
        candidate.spent = candidate.votes_left == 0
    return day


def weaker_voter_voted_today(config: VoteConfig, voter: tuple[str, str] | None, now: float,
                             day: VoterDay | None = None) -> bool:
    """Whether `voter` came through the weaker picture check and has voted today (`day`, when the caller has
    read it). Such a voter may not verify again by text message or WeChat until tomorrow: the new identity
    would start a fresh day's votes for the same person."""
    if not voter or voter[0] not in WEAKER_METHODS:
        return False
    if day is None:
        day = selectors.voter_day(config, voter[1], [], now)
    return day.remaining < config.votes_per_day


def voter_is_blocked(config: VoteConfig, voter: tuple[str, str] | None) -> bool:
    """Whether the voter is marked as fraud (弊): the vote refuses their ballots until an editor reverses it."""
    if not voter:
        return False
    return Voter.objects.filter(campaign_id=config.campaign_id, voter_hash=voter[1], state=VoterState.FRAUD).exists()


def _zero_shown(config: VoteConfig) -> str:
    # A candidate without votes has no tally entry on Redis (the database has a row with zeros): it shows as
    # `public_counts` shows a count of zero.
    if config.count_display == CountDisplay.SHOWN:
        return "0"
    if config.count_display == CountDisplay.ROUNDED:
        return f"<{config.count_rounding}"
    return ""
