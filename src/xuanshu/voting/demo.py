"""A demo vote for rehearsals and `make run`: shortlisted demo nominations, an open ballot, and votes.

Everything goes through the real writers: the nominations are shortlisted as an editor would, the ballot
is opened, the rehearsal's voting stage is moved to now, and every vote is cast through `cast_ballot`, so
the ledger, the tallies and the fraud dashboard hold what a live vote would. Among honest voters spread
over a day and a half, a farm of fresh numbers behind one carrier subnet pushes one candidate: its votes
past the cluster limit are quarantined, which gives the fraud dashboard something to show.
"""
import random
import time
from dataclasses import dataclass, field

from django.db.models import Count

from xuanshu.campaigns.services import open_rehearsal_voting
from xuanshu.core.errors import DomainError
from xuanshu.nominations.enums import NominationState
from xuanshu.nominations.models import Nomination
from xuanshu.nominations.services import set_nomination_state
from xuanshu.voting import backend
from xuanshu.voting.config import forget, vote_config
from xuanshu.voting.models import LedgerEntry
from xuanshu.voting.services import cast_ballot, open_ballot, register_voter

CANDIDATES = 12
HONEST_VOTERS = 150
FARM_VOTERS = 25
_PATH = {  # the editor's steps from each state to the shortlist
    NominationState.RECEIVED: [NominationState.IN_REVIEW, NominationState.VERIFIED, NominationState.SHORTLISTED],
    NominationState.IN_REVIEW: [NominationState.VERIFIED, NominationState.SHORTLISTED],
    NominationState.VERIFIED: [NominationState.SHORTLISTED],
}
_AGENTS = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 "
    "MicroMessenger/8.0.49(0x18003137) NetType/WIFI Language/zh_CN",
    "Mozilla/5.0 (Linux; Android 14; V2302A Build/UP1A.231005.007; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20240301 MicroMessenger/8.0.48.2580(0x28003036) "
    "WeChat/arm64 Weixin NetType/5G Language/zh_CN ABI/arm64",
    "Mozilla/5.0 (Linux; Android 13; PGT-AN10 Build/HONORPGT-AN10; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Version/4.0 Chrome/111.0.5563.116 Mobile Safari/537.36 XWEB/5235 MMWEBSDK/20231202 MicroMessenger/8.0.47.2560(0x28002F35) "
    "WeChat/arm64 Weixin NetType/4G Language/zh_CN ABI/arm64",
]
_HOME_NETWORKS = ["112.224", "120.221", "123.132", "124.133", "27.194", "39.77", "60.215", "119.186"]
_FARM_SUBNET = "223.104.63"


@dataclass
class DemoVote:
    shortlisted: int = 0
    votes: dict[str, int] = field(default_factory=dict)
    already: bool = False


def seed_demo_vote(*, campaign, seed: int = 2025) -> DemoVote:
    """Shortlist, open the ballot and cast the demo votes; a second run leaves a vote that has votes alone."""
    if not campaign.is_demo:
        raise DomainError("demo votes go only into a rehearsal campaign", code="not_rehearsal")
    result = DemoVote()
    if not hasattr(campaign, "ballot"):
        result.shortlisted = _shortlist(campaign)
        open_ballot(campaign=campaign)
    open_rehearsal_voting(campaign=campaign)
    forget(campaign.slug)
    if LedgerEntry.objects.filter(campaign=campaign).exists():
        result.already = True
        return result
    config = vote_config(campaign.slug, fresh=True)
    for ballot in _ballots(random.Random(seed), sorted(config.candidate_ids), campaign.pk):
        cast_ballot(config=config, **ballot)
    if backend.uses_redis():  # the acknowledged votes into the ledger now, not when a flusher next runs
        from xuanshu.voting import store_redis

        store_redis.flush_all(campaign.pk)
    # As the ledger holds them now, after the automatic check held a cluster's earlier votes too: the figures
    # the dashboard's tallies and `votes verify` show, not each vote's status when it was cast.
    result.votes = dict(LedgerEntry.objects.filter(campaign=campaign).values_list("status").annotate(n=Count("id"))
                        .order_by("status"))
    return result


def _shortlist(campaign) -> int:
    """Demo nominations moved to the shortlist as an editor would, up to three of each category, until twelve
    are shortlisted (the demo nominations may hold some already); returns how many are shortlisted."""
    shortlisted = Nomination.objects.filter(campaign=campaign, state=NominationState.SHORTLISTED)
    chosen: list[Nomination] = []
    per_category: dict[int, int] = {}
    for category_id in shortlisted.values_list("category_id", flat=True):
        per_category[category_id] = per_category.get(category_id, 0) + 1
    wanted = CANDIDATES - shortlisted.count()
    candidates = Nomination.objects.filter(campaign=campaign, is_demo=True, state__in=list(_PATH)).order_by("reference")
    for nomination in candidates:
        if per_category.get(nomination.category_id, 0) < 3 and len(chosen) < wanted:
            per_category[nomination.category_id] = per_category.get(nomination.category_id, 0) + 1
            chosen.append(nomination)
    for nomination in chosen:
        for state in _PATH[nomination.state]:
            set_nomination_state(nomination=nomination, new_state=state, actor=None, reason="演示数据")
    if not shortlisted.exists():
        raise DomainError("no demo nomination can be shortlisted: seed the demo nominations first", code="nothing")
    return shortlisted.count()


def _ballots(rng: random.Random, candidate_ids: list[int], campaign_id: int) -> list[dict]:
    now = time.time()
    popular = {c: rng.uniform(0.3, 3.0) for c in candidate_ids}
    ballots = []
    for number in range(HONEST_VOTERS):
        voter = _voter(campaign_id, f"+86139{number:08d}")
        network = f"{rng.choice(_HOME_NETWORKS)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        agent, device = rng.choice(_AGENTS), f"demo-phone-{number}"
        start = now - rng.uniform(10 * 60, 36 * 3600)
        for visit in range(rng.choice([1, 1, 2, 3])):  # a voter comes back on later days
            chosen = _weighted_sample(rng, popular, rng.choice([1, 1, 2, 3]))
            at = start + visit * 86400
            if at < now:
                ballots.append({"voter": voter, "candidates": chosen, "ip": network, "user_agent": agent,
                                "device_token": device, "nonce": f"demo-{number}-{visit}", "now": at})
    pushed, farm_start = rng.choice(candidate_ids), now - 2 * 3600
    for number in range(FARM_VOTERS):  # fresh numbers, one carrier subnet, one phone model, minutes apart
        ballots.append({"voter": _voter(campaign_id, f"+86170{number:08d}"), "candidates": [pushed],
                        "ip": f"{_FARM_SUBNET}.{rng.randint(1, 254)}", "user_agent": _AGENTS[1],
                        "device_token": f"demo-farm-{number}", "nonce": f"farm-{number}", "now": farm_start + number * 40})
    return sorted(ballots, key=lambda ballot: ballot["now"])  # the rules read time forwards


def _weighted_sample(rng: random.Random, weights: dict[int, float], count: int) -> list[int]:
    pool, chosen = dict(weights), []
    for _ in range(min(count, len(pool))):
        pick = rng.choices(list(pool), weights=list(pool.values()))[0]
        chosen.append(pick)
        del pool[pick]
    return chosen


def _voter(campaign_id: int, phone: str) -> tuple[str, str]:
    voter = register_voter(campaign_id=campaign_id, method="sms", identity_value=phone, label=f"{phone[3:6]}****{phone[-4:]}")
    return voter.method, voter.voter_hash
