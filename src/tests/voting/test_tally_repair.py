"""`votes repair-tallies`: when Redis loses or garbles its live tallies, recount them from the ledger."""
import pytest
import redis
from django.core.management import CommandError, call_command

from tests.voting.helpers import flush, vote
from xuanshu.core.errors import DomainError
from xuanshu.core.models import ActivityLog
from xuanshu.voting import maintenance, store_redis
from xuanshu.voting.audit import verify
from xuanshu.voting.maintenance import repair_redis_tallies
from xuanshu.voting.models import CandidateTally
from xuanshu.voting.services import decide_votes

pytestmark = pytest.mark.django_db(transaction=True)

# A Redis database of its own (the voting suite's is 7, the load benchmark's 8 and 9): only it is flushed.
REPAIR_REDIS_URL = "redis://127.0.0.1:6379/13"
STATUSES = ["accepted", "quarantined", "fraud", "rejected"]


@pytest.fixture
def repair_redis(settings):
    settings.VOTING_REDIS_URL = REPAIR_REDIS_URL
    client = redis.Redis.from_url(REPAIR_REDIS_URL)
    client.flushdb()
    yield client
    client.flushdb()


def counts(**by_status) -> dict[str, int]:
    return {status: by_status.get(status, 0) for status in STATUSES}


def redis_tallies(campaign_id: int) -> dict[int, dict[str, int]]:
    found = store_redis.tallies(campaign_id)
    return {c: counts(**{s: found[s].get(c, 0) for s in STATUSES})
            for c in sorted({c for by in found.values() for c, n in by.items() if n})}


@pytest.fixture
def voted(repair_redis, config, candidates, make_voter, editor, open_campaign):
    """Four two-candidate ballots, one voter's accepted and refused vote, and one quarantined vote; all flushed."""
    ids = [c.pk for c in candidates]
    for index in range(4):
        vote(config, make_voter(f"+86138000000{index:02d}"), ids[0], ids[1], device=f"phone-{index}")
    voter = make_voter("+8613800000099")
    vote(config, voter, ids[2], device="phone-9")
    assert vote(config, voter, ids[2], device="phone-9").reason == "quota_candidate"
    flush(config.campaign_id)
    decide_votes(campaign=open_campaign, action="quarantine", actor=editor, reason="核实中", seqs=[1])
    assert verify(config.campaign_id).problems == []
    return ids


def corrupt(client, campaign_id: int, ids: list[int]) -> None:
    """Redis restarted without its tally of counted votes, and one hash picked up a stray count."""
    client.delete(f"v{campaign_id}:tally:accepted")
    client.hset(f"v{campaign_id}:tally:rejected", ids[5], 7)


def test_repair_rewrites_the_tallies_verify_passes_and_the_audit_row_has_both_sides(
        voted, repair_redis, config, open_campaign, capsys):
    ids, cid = voted, config.campaign_id
    corrupt(repair_redis, cid, ids)
    with pytest.raises(CommandError):
        call_command("votes", "verify")
    capsys.readouterr()
    expected_lines = [
        f"  candidate {ids[0]} (no. 1): accepted 0 -> 3",
        f"  candidate {ids[1]} (no. 2): accepted 0 -> 4",
        f"  candidate {ids[2]} (no. 3): accepted 0 -> 1",
        f"  candidate {ids[5]} (no. 6): rejected 7 -> 0",
    ]
    warning = (["warning: Redis runs without appendonly; votes acknowledged but not yet flushed would be lost if "
                "Redis itself stopped. Set `appendonly yes` (appendfsync everysec or always)."]
               if repair_redis.config_get("appendonly")["appendonly"] != "yes" else [])

    call_command("votes", "repair-tallies", "--dry-run")
    assert capsys.readouterr().out.splitlines() == [f"{open_campaign.slug}: would correct 4 candidates", *expected_lines, *warning]
    assert repair_redis.hgetall(f"v{cid}:tally:accepted") == {}
    assert not ActivityLog.objects.filter(action="voting.repair_tallies").exists()

    call_command("votes", "repair-tallies", "--campaign", open_campaign.slug)
    assert capsys.readouterr().out.splitlines() == [f"{open_campaign.slug}: corrected 4 candidates", *expected_lines, *warning]
    assert redis_tallies(cid) == {
        ids[0]: counts(accepted=3, quarantined=1), ids[1]: counts(accepted=4), ids[2]: counts(accepted=1, rejected=1),
    }
    call_command("votes", "verify")
    assert f"{open_campaign.slug}: OK" in capsys.readouterr().out
    log = ActivityLog.objects.get(action="voting.repair_tallies")
    assert (log.subject_type, log.subject_id, log.campaign_id, log.actor_label) == (
        "voting.ballot", str(open_campaign.ballot.pk), open_campaign.pk, "cli")
    assert log.old_value == {"tallies": {
        str(ids[0]): counts(quarantined=1), str(ids[1]): counts(), str(ids[2]): counts(rejected=1),
        str(ids[5]): counts(rejected=7),
    }}
    assert log.new_value == {"tallies": {
        str(ids[0]): counts(accepted=3, quarantined=1), str(ids[1]): counts(accepted=4),
        str(ids[2]): counts(accepted=1, rejected=1), str(ids[5]): counts(),
    }, "pending_ballots": 0}

    call_command("votes", "repair-tallies")
    assert capsys.readouterr().out.splitlines() == [f"{open_campaign.slug}: Redis tallies match the ledger", *warning]
    assert ActivityLog.objects.filter(action="voting.repair_tallies").count() == 1


def test_ballots_still_in_the_stream_are_counted_with_the_ledger(voted, repair_redis, config, open_campaign, make_voter):
    ids, cid = voted, config.campaign_id
    corrupt(repair_redis, cid, ids)
    vote(config, make_voter("+8613800000077"), ids[3], ids[4], device="phone-7")
    assert store_redis.pending(cid) == 1

    repair = repair_redis_tallies(campaign=open_campaign)
    assert (repair.pending, repair.written) == (1, True)
    assert redis_tallies(cid) == {
        ids[0]: counts(accepted=3, quarantined=1), ids[1]: counts(accepted=4), ids[2]: counts(accepted=1, rejected=1),
        ids[3]: counts(accepted=1), ids[4]: counts(accepted=1),
    }
    vote(config, make_voter("+8613800000078"), ids[3], device="phone-8")  # counted on top of the repaired tally
    flush(cid)
    assert verify(cid).problems == []
    assert redis_tallies(cid)[ids[3]] == counts(accepted=2)


def test_refused_while_the_stream_holds_too_much(voted, repair_redis, config, open_campaign, make_voter, monkeypatch):
    corrupt(repair_redis, config.campaign_id, voted)
    vote(config, make_voter("+8613800000077"), voted[3], device="phone-7")
    monkeypatch.setattr(maintenance, "REPAIR_MAX_PENDING", 0)
    untouched = redis_tallies(config.campaign_id)
    with pytest.raises(DomainError) as refused:
        repair_redis_tallies(campaign=open_campaign)
    assert refused.value.code == "stream_not_drained"
    assert redis_tallies(config.campaign_id) == untouched


def test_the_database_path_has_nothing_to_repair(config):
    with pytest.raises(CommandError, match="No Redis configured"):
        call_command("votes", "repair-tallies")


def test_a_database_tally_that_disagrees_with_the_ledger_is_reported_not_copied(voted, repair_redis, config, open_campaign):
    ids = voted
    corrupt(repair_redis, config.campaign_id, ids)
    CandidateTally.objects.filter(candidate_id=ids[1]).update(accepted=99)
    repair = repair_redis_tallies(campaign=open_campaign)
    assert repair.ledger_vs_database == [ids[1]]
    assert redis_tallies(config.campaign_id)[ids[1]] == counts(accepted=4)
