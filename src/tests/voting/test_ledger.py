"""The ledger: every attempt lands in it, `votes verify` recounts it and catches edited or deleted rows."""
import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from tests.voting.helpers import flush, vote
from xuanshu.voting.audit import verify
from xuanshu.voting.models import CandidateTally, LedgerEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _operators_language():
    """`votes verify` as the operator reads it: in the site's language, zh-hans."""
    with translation.override("zh-hans"):
        yield


def _some_votes(config, candidates, make_voter):
    a, b = make_voter("+8613800000001"), make_voter("+8613800000002")
    ids = [c.pk for c in candidates]
    vote(config, a, ids[0])
    vote(config, a, ids[0])  # rejected: per-candidate quota
    vote(config, b, ids[0], ids[1])
    vote(config, None, ids[2])  # rejected: no identity
    flush(config.campaign_id)
    return ids


def test_every_attempt_is_chained_and_recounted(store_kind, config, candidates, make_voter):
    ids = _some_votes(config, candidates, make_voter)
    rows = list(LedgerEntry.objects.order_by("seq").values_list("seq", "candidate_id", "decision", "reason"))
    assert rows == [
        (1, ids[0], "accepted", ""), (2, ids[0], "rejected", "quota_candidate"),
        (3, ids[0], "accepted", ""), (4, ids[1], "accepted", ""), (5, ids[2], "rejected", "identity_required"),
    ]
    chain = list(LedgerEntry.objects.order_by("seq").values_list("prev_hash", "row_hash"))
    assert all(chain[i][0] == chain[i - 1][1] for i in range(1, len(chain)))
    report = verify(config.campaign_id)
    assert (report.ok, report.entries, report.problems) == (True, 5, [])
    zero = {"accepted": 0, "quarantined": 0, "fraud": 0, "rejected": 0}
    assert report.recount == {ids[0]: {**zero, "accepted": 2, "rejected": 1}, ids[1]: {**zero, "accepted": 1},
                              ids[2]: {**zero, "rejected": 1}}
    assert CandidateTally.objects.get(candidate_id=ids[0]).accepted == 2


def test_verify_command_detects_an_edited_row(store_kind, config, candidates, make_voter, capsys):
    ids = _some_votes(config, candidates, make_voter)
    call_command("votes", "verify")
    assert "核对通过" in capsys.readouterr().out
    # An insider moves a vote to another candidate and fixes the tallies to match: the chain gives it away.
    LedgerEntry.objects.filter(seq=3).update(candidate_id=ids[1])
    CandidateTally.objects.filter(candidate_id=ids[0]).update(accepted=1)
    CandidateTally.objects.filter(candidate_id=ids[1]).update(accepted=2)
    with pytest.raises(CommandError):
        call_command("votes", "verify")
    out = capsys.readouterr().out
    assert "  账本第 3 行：内容与其哈希不符（该行被改动）" in out.splitlines()


def test_verify_detects_a_deleted_row_and_a_padded_tally(store_kind, config, candidates, make_voter):
    ids = _some_votes(config, candidates, make_voter)
    LedgerEntry.objects.filter(seq=2).delete()
    CandidateTally.objects.filter(candidate_id=ids[3]).update(accepted=7)
    problems = verify(config.campaign_id).problems
    assert "账本：应为第 2 行，实为第 3 行（有行缺失或顺序被改动）" in problems
    assert "账本第 3 行：前一哈希与上一行不符" in problems
    padded = candidates[3]
    assert (f"第 4 号 {padded.display_name}：数据库计票（已计入 7，待核（疑） 0，作弊（弊） 0，未通过 0）"
            "与重新计票（已计入 0，待核（疑） 0，作弊（弊） 0，未通过 0）不符") in problems


def test_verify_names_candidates_by_ballot_number_and_name_and_prints_counts_as_words(
        store_kind, config, candidates, make_voter, capsys):
    _some_votes(config, candidates, make_voter)
    CandidateTally.objects.filter(candidate_id=candidates[1].pk).update(accepted=6, fraud=1)
    expected = (f"第 2 号 {candidates[1].display_name}：数据库计票（已计入 6，待核（疑） 0，作弊（弊） 1，未通过 0）"
                "与重新计票（已计入 1，待核（疑） 0，作弊（弊） 0，未通过 0）不符")
    assert verify(config.campaign_id).problems == [expected]
    with pytest.raises(CommandError) as failed:
        call_command("votes", "verify")
    assert str(failed.value) == "核对未通过。"
    lines = capsys.readouterr().out.splitlines()
    report = lines[next(i for i, line in enumerate(lines) if line.startswith(f"{config.slug}：")):]
    assert report == [
        f"{config.slug}：核对未通过 — 账本 5 行，编辑决定 0 条",
        "  各身份验证方式的投票尝试：",
        "    短信验证码：4 次",
        "    未验证身份：1 次",
        f"  第 1 号 {candidates[0].display_name}：已计入 2，待核（疑） 0，作弊（弊） 0，未通过 1；"
        "计入的票按身份验证方式：短信验证码 2；其中经较弱的身份验证：0",
        f"  第 2 号 {candidates[1].display_name}：已计入 1，待核（疑） 0，作弊（弊） 0，未通过 0；"
        "计入的票按身份验证方式：短信验证码 1；其中经较弱的身份验证：0",
        f"  第 3 号 {candidates[2].display_name}：已计入 0，待核（疑） 0，作弊（弊） 0，未通过 1；"
        "计入的票按身份验证方式：无；其中经较弱的身份验证：0",
        f"  {expected}",
    ]


def test_in_english_verify_reads_in_english(store_kind, config, candidates, make_voter, capsys):
    _some_votes(config, candidates, make_voter)
    LedgerEntry.objects.filter(seq=1).update(status="fraud")
    with translation.override("en"):
        assert verify(config.campaign_id).problems == ["ledger #1: status “Fraud (弊)” was never decided (initial “Accepted”)"]
        with pytest.raises(CommandError):
            call_command("votes", "verify")
    lines = capsys.readouterr().out.splitlines()
    assert lines[lines.index("  attempts by identity method:") + 1:][:3] == [
        "    SMS code: 4 attempts", "    no verified identity: 1 attempts",
        f"  No. 1 {candidates[0].display_name}: Accepted 2, Quarantined (疑) 0, Fraud (弊) 0, Rejected 1; "
        "counted by identity method: SMS code 2; of which through a weaker identity check: 0",
    ]


def test_verify_detects_a_status_flipped_without_a_decision(store_kind, config, candidates, make_voter):
    _some_votes(config, candidates, make_voter)
    LedgerEntry.objects.filter(seq=1).update(status="fraud")
    assert "账本第 1 行：状态“作弊（弊）”没有编辑决定依据（初始为“已计入”）" in verify(config.campaign_id).problems


LONG_WECHAT_AGENT = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                     "Mobile/15E148 MicroMessenger/8.0.49(0x18003137) NetType/WIFI Language/zh_CN "
                     "miniProgram/wx1234567890abcdef WindowsWechat/WMPF WindowsWechat(0x63090a13) XWEB/11253")


@pytest.mark.parametrize("column, value, problem", [
    ("ip", "10.9.9.9", "IP 地址与其哈希不符"),
    ("subnet", "10.9.9.0/24", "网段与其 IP 地址或哈希不符"),
    ("user_agent", "curl/8.0", "浏览器标识与其哈希不符"),
])
def test_verify_detects_an_edited_address_network_or_user_agent(store_kind, config, candidates, make_voter, column, value,
                                                                problem):
    """These columns are outside the chain (the public export leaves them out); their hashes are in it."""
    vote(config, make_voter(), candidates[0].pk, ua=LONG_WECHAT_AGENT)
    flush(config.campaign_id)
    assert verify(config.campaign_id).ok
    LedgerEntry.objects.filter(seq=1).update(**{column: value})
    assert f"账本第 1 行：{problem}（该行被改动）" in verify(config.campaign_id).problems


def test_the_ledger_keeps_the_whole_user_agent_it_hashed(store_kind, config, candidates, make_voter):
    vote(config, make_voter(), candidates[0].pk, ua=LONG_WECHAT_AGENT)
    flush(config.campaign_id)
    assert len(LONG_WECHAT_AGENT) > 200
    assert LedgerEntry.objects.get(seq=1).user_agent == LONG_WECHAT_AGENT
