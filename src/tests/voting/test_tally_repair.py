"""`votes repair-tallies`: when Redis loses or garbles its live tallies, recount them from the ledger."""
import pytest
import redis
from django.core.management import CommandError, call_command
from django.utils import translation

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


@pytest.fixture
def operators_language():
    with translation.override("zh-hans"):
        yield


def test_repair_rewrites_the_tallies_verify_passes_and_the_audit_row_has_both_sides(
        voted, repair_redis, config, open_campaign, capsys, operators_language):
    ids, cid = voted, config.campaign_id
    corrupt(repair_redis, cid, ids)
    with pytest.raises(CommandError):
        call_command("votes", "verify")
    capsys.readouterr()
    names = dict(CandidateTally.objects.values_list("candidate_id", "candidate__display_name"))
    expected_lines = [
        f"  第 1 号 {names[ids[0]]}：已计入 0 → 3",
        f"  第 2 号 {names[ids[1]]}：已计入 0 → 4",
        f"  第 3 号 {names[ids[2]]}：已计入 0 → 1",
        f"  第 6 号 {names[ids[5]]}：未通过 7 → 0",
    ]
    warning = (["警告：Redis 未开启 appendonly；Redis 本身一旦停止，已确认但尚未写入账本的选票将会丢失。"
                "请设置 `appendonly yes`（appendfsync everysec 或 always）。"]
               if repair_redis.config_get("appendonly")["appendonly"] != "yes" else [])

    call_command("votes", "repair-tallies", "--dry-run")
    assert capsys.readouterr().out.splitlines() == [
        f"{open_campaign.slug}：将更正 4 位候选人的实时计票（试运行，未写入）。", *expected_lines, *warning]
    assert repair_redis.hgetall(f"v{cid}:tally:accepted") == {}
    assert not ActivityLog.objects.filter(action="voting.repair_tallies").exists()

    call_command("votes", "repair-tallies", "--campaign", open_campaign.slug)
    assert capsys.readouterr().out.splitlines() == [f"{open_campaign.slug}：已更正 4 位候选人的实时计票。", *expected_lines, *warning]
    assert redis_tallies(cid) == {
        ids[0]: counts(accepted=3, quarantined=1), ids[1]: counts(accepted=4), ids[2]: counts(accepted=1, rejected=1),
    }
    call_command("votes", "verify")
    assert f"{open_campaign.slug}：核对通过" in capsys.readouterr().out
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
    assert capsys.readouterr().out.splitlines() == [f"{open_campaign.slug}：Redis 实时计票与账本一致。", *warning]
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
    with translation.override("zh-hans"), pytest.raises(CommandError, match="^未配置 Redis："):
        call_command("votes", "repair-tallies")


def test_a_database_tally_that_disagrees_with_the_ledger_is_reported_not_copied(voted, repair_redis, config, open_campaign):
    ids = voted
    corrupt(repair_redis, config.campaign_id, ids)
    CandidateTally.objects.filter(candidate_id=ids[1]).update(accepted=99)
    repair = repair_redis_tallies(campaign=open_campaign)
    assert repair.ledger_vs_database == [ids[1]]
    assert redis_tallies(config.campaign_id)[ids[1]] == counts(accepted=4)


def test_the_command_names_the_candidates_whose_database_tally_disagrees_too(voted, repair_redis, config, open_campaign,
                                                                            capsys, operators_language):
    """By ballot number and name, as every other line of the report: not a Python list of ids."""
    ids = voted
    corrupt(repair_redis, config.campaign_id, ids)
    CandidateTally.objects.filter(candidate_id__in=[ids[1], ids[3]]).update(accepted=99)
    call_command("votes", "repair-tallies", "--dry-run")
    names = dict(CandidateTally.objects.values_list("candidate_id", "candidate__display_name"))
    lines = capsys.readouterr().out.splitlines()
    assert [line for line in lines if "警告：" in line and "appendonly" not in line] == [
        f"  警告：第 2 号 {names[ids[1]]}，第 4 号 {names[ids[3]]} 的数据库计票也与账本不符，请运行 `votes verify`。"]
