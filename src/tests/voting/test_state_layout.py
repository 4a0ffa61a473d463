"""The database path files a voter's state under the voter, and an upgrade from the earlier layout keeps a
vote in progress whole: its device and cluster counts (renamed by migration 0003) and its ballot nonces
(consulted under their old names while they live)."""
import importlib

import pytest
from django.apps import apps

from xuanshu.voting import store_db
from xuanshu.voting.models import VotingState
from xuanshu.voting.services import prepare_ballot

pytestmark = pytest.mark.django_db
layout_migration = importlib.import_module("xuanshu.voting.migrations.0003_member_rows_under_the_voter")


@pytest.fixture(autouse=True)
def no_cached_legacy_check(monkeypatch):
    monkeypatch.setattr(store_db, "_legacy_dedupe_until", {})


def _ballot(config, voter, candidate, nonce, device="phone-1"):
    return prepare_ballot(config=config, voter=voter, candidates=[candidate], ip="10.1.2.3",
                          user_agent="Mozilla/5.0 MicroMessenger", device_token=device, nonce=nonce)


def _names() -> set[str]:
    return set(VotingState.objects.values_list("name", flat=True))


def test_every_row_that_names_the_voter_is_filed_under_the_voter(config, candidates, make_voter):
    voter = make_voter()
    attempt, meta = _ballot(config, voter, candidates[0].pk, "n-1")
    store_db._write_together([(attempt, meta)])
    naming_the_voter = {name for name in _names() if attempt.voter_hash in name}
    assert len(naming_the_voter) >= 5  # votes, votes for the candidate, nonce, attempts this minute, set members
    assert all(name.startswith(f"v{config.campaign_id}:q:{attempt.voter_hash}") for name in naming_the_voter)
    naming_the_device = {name for name in _names() if attempt.device_hash in name and attempt.voter_hash not in name}
    assert naming_the_device and all(name.startswith(f"v{config.campaign_id}:dv:{attempt.device_hash}:")
                                     for name in naming_the_device)


def test_the_migration_renames_member_rows_and_back():
    before = {
        "v5:dv:dev1:20400|voterA": "1", "v5:cl:7:sub:ua:490000|voterA": "1", "v5:cl:7:sub:ua:490000|voterB": "1",
        "v5:dv:dev1:20400#n": "1", "v5:q:voterA:20400": "3", "once:otp|x": "1", "v12:dd:20400:abc": "1",
    }
    VotingState.objects.bulk_create([VotingState(name=name, value=value, expires_at=2**40) for name, value in before.items()])

    layout_migration.forwards(apps, None)
    assert _names() == {
        "v5:q:voterA|dv:dev1:20400", "v5:q:voterA|cl:7:sub:ua:490000", "v5:q:voterB|cl:7:sub:ua:490000",
        "v5:dv:dev1:20400#n", "v5:q:voterA:20400", "once:otp|x", "v12:dd:20400:abc",
    }
    layout_migration.backwards(apps, None)
    assert _names() == set(before)


def test_a_vote_in_progress_keeps_its_device_count_and_nonces_across_the_upgrade(config, candidates, make_voter):
    """Rows as the earlier layout wrote them for a voter's first ballot; the migration, then the same voter."""
    voter = make_voter()
    first, _meta = _ballot(config, voter, candidates[0].pk, "n-1")
    c, day, device, who = config.campaign_id, first.day, first.device_hash, first.voter_hash
    VotingState.objects.bulk_create([VotingState(name=name, value="1", expires_at=int(first.t) + 3600) for name in [
        f"v{c}:dv:{device}:{day}|{who}", f"v{c}:dv:{device}:{day}#n", f"v{c}:q:{who}:{day}",
        f"v{c}:q:{who}:{day}:{candidates[0].pk}", f"v{c}:dd:{day}:{first.dedupe_key}",
    ]])
    layout_migration.forwards(apps, None)

    retried, second = store_db._write_together([
        _ballot(config, voter, candidates[0].pk, "n-1"),  # the first ballot again: seen before the upgrade
        _ballot(config, voter, candidates[1].pk, "n-2"),
    ])

    assert (retried.duplicate, retried.reason) == (True, "duplicate")
    assert (second.reason, second.remaining_today) == ("", config.votes_per_day - 2)
    # the device still has one voter, not the same voter counted again under the new name
    assert VotingState.objects.get(name=f"v{c}:dv:{device}:{day}#n").value == "1"


def test_without_old_nonces_the_old_name_is_not_read(config, candidates, make_voter):
    voter = make_voter()
    store_db._write_together([_ballot(config, voter, candidates[0].pk, "n-1")])
    assert store_db._legacy_dedupe_until == {config.campaign_id: 0}
    assert not any(":dd:" in name for name in _names())
