"""The fraud dashboard's counted votes of the whole vote come from a snapshot: counted at most ten minutes ago
(the task worker counts ahead while the vote is open), again on the editor's asking, and again after any
decision. The page's buttons act on the votes the snapshot counted."""
import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.voting.helpers import flush, vote
from xuanshu.campaigns.models import Stage
from xuanshu.voting.maintenance import DASHBOARD_CLUSTERS, refresh_whole_vote_snapshots
from xuanshu.voting.models import LedgerEntry
from xuanshu.voting.selectors import whole_vote_clusters

pytestmark = pytest.mark.django_db(transaction=True)  # decisions discard the snapshots on commit


def _cluster_counts(page: str) -> list[tuple[str, str]]:
    """(votes, voters) of each row of the clusters table."""
    table = page.split('id="clusters"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<td>(\d+)</td><td>(\d+)</td><td>\d+</td>", table)


def _hidden(page: str, name: str) -> str:
    return re.findall(rf'name="{name}" value="([^"]*)"', page)[0]


def test_the_whole_vote_is_read_from_its_snapshot_until_asked_again_or_a_decision(client, open_campaign, config, candidates,
                                                                                 make_voter, editor):
    voters = [make_voter(f"+8613700000{n:03d}") for n in range(5)]
    for n in range(2):
        vote(config, voters[n], candidates[0].pk, device=f"d{n}")
    flush(config.campaign_id)
    client.force_login(editor)
    url = f"/console/voting/?campaign={open_campaign.slug}&by=subnet&status=accepted&window=all"

    assert _cluster_counts(client.get(url).content.decode()) == [("2", "2")]
    vote(config, voters[2], candidates[0].pk, device="d2")
    flush(config.campaign_id)
    page = client.get(url).content.decode()
    assert _cluster_counts(page) == [("2", "2")]  # the snapshot, which says when it was counted
    assert 'id="snapshot"' in page and "统计于" in page and "立即重新统计" in page

    page = client.get(url + "&refresh=1").content.decode()
    assert _cluster_counts(page) == [("3", "3")]
    vote(config, voters[3], candidates[0].pk, device="d3")  # after the snapshot the buttons below act on
    flush(config.campaign_id)
    form = {name: _hidden(page, name) for name in ["campaign", "by", "value", "status", "window", "since", "until"]}
    response = client.post("/console/voting/decide/", {**form, "action": "quarantine", "reason": "核查学校网络"})
    assert response.status_code == 302
    status = dict(LedgerEntry.objects.values_list("voter_hash", "status"))
    assert [status[v[1]] for v in voters[:4]] == ["quarantined"] * 3 + ["accepted"]

    # The decision discarded the snapshot: the page counts again and shows only the vote left counted.
    assert _cluster_counts(client.get(url).content.decode()) == [("1", "1")]


def test_the_task_counts_open_votes_ahead_so_the_page_reads_no_ledger(open_campaign, config, candidates, make_voter):
    vote(config, make_voter("+8613700000001"), candidates[0].pk)
    flush(config.campaign_id)
    assert refresh_whole_vote_snapshots() == 1
    with CaptureQueriesContext(connection) as queries:
        clusters, counted_at = whole_vote_clusters(config.campaign_id, "candidate", limit=DASHBOARD_CLUSTERS)
    assert [c["votes"] for c in clusters] == [1]
    assert not [q for q in queries.captured_queries if "ledger" in q["sql"]]
    assert abs(dt.datetime.now(dt.UTC) - counted_at) < dt.timedelta(minutes=1)

    Stage.objects.filter(campaign=open_campaign, kind="voting").update(ends_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    assert refresh_whole_vote_snapshots() == 0  # a closed vote is not counted again
