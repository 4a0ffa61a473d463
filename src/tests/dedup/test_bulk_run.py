"""The bulk run (`dedup run`): the scale path on a small synthetic campaign, idempotence, rebuild, the commands.

Synthetic nominations come from xuanshu.nominations.dedup.synthetic (the benchmark's generator), with each
nomination's true nominee known.
"""
from itertools import combinations

import pytest
from django.core.management import call_command
from django.utils import timezone

from xuanshu.core.models import ActivityLog
from xuanshu.nominations.dedup import services
from xuanshu.nominations.dedup.models import MergeSuggestion, Nominee, NomineeMembership
from xuanshu.nominations.dedup.synthetic import generate, insert_synthetic

pytestmark = pytest.mark.django_db


def partition(ids) -> set[frozenset]:
    groups: dict[int, set] = {}
    for nomination, nominee in NomineeMembership.objects.filter(nomination_id__in=ids).values_list("nomination_id", "nominee_id"):
        groups.setdefault(nominee, set()).add(nomination)
    return {frozenset(group) for group in groups.values()}


def pairwise(found: set[frozenset], truth: dict[int, int]) -> tuple[float, float]:
    found_pairs = {frozenset(pair) for group in found for pair in combinations(group, 2)}
    by_person: dict[int, list] = {}
    for nomination, person in truth.items():
        by_person.setdefault(person, []).append(nomination)
    true_pairs = {frozenset(pair) for group in by_person.values() for pair in combinations(group, 2)}
    hits = len(found_pairs & true_pairs)
    return hits / len(found_pairs), hits / len(true_pairs)


@pytest.fixture
def synthetic(campaign):
    items = generate(400, seed=5)
    ids = insert_synthetic(campaign, items)
    return ids, {pk: item.person for pk, item in zip(ids, items)}


def test_a_run_assigns_every_named_nomination_and_finds_the_duplicates(campaign, synthetic):
    ids, truth = synthetic
    summary = services.cluster_campaign(campaign=campaign)
    found = partition(ids)
    precision, recall = pairwise(found, truth)
    assert (summary.nominations, NomineeMembership.objects.count(), sum(len(group) for group in found)) == (400, 400, 400)
    assert (summary.new_nominees, Nominee.objects.count(), summary.joined) == (len(found), len(found), 400 - len(found))
    assert (precision >= 0.9, recall >= 0.9) == (True, True)
    assert summary.suggestions == MergeSuggestion.objects.count()
    merged = {nominee for nominee, in NomineeMembership.objects.filter(linked_by="auto").values_list("nominee").distinct()}
    audited = set(ActivityLog.objects.filter(action="nominee.auto_merge").values_list("subject_id", flat=True))
    assert audited == {str(pk) for pk in merged}
    assert ActivityLog.objects.filter(action="dedup.run", subject_id=str(campaign.pk)).count() == 1
    written = NomineeMembership.objects.filter(linked_by="auto").first()  # rows written with plain INSERTs read back whole
    assert (written.reasons[0]["code"] in {"same_name", "homophone_name", "similar_name", "same_group_name"},
            written.linked_at.tzinfo is not None, written.linked_at <= timezone.now()) == (True, True, True)


def test_a_second_run_changes_nothing(campaign, synthetic):
    services.cluster_campaign(campaign=campaign)
    before = sorted(NomineeMembership.objects.values_list("nomination", "nominee", "linked_by", "score"))
    again = services.cluster_campaign(campaign=campaign)
    assert (again.nominations, again.new_nominees, again.suggestions) == (0, 0, 0)
    assert sorted(NomineeMembership.objects.values_list("nomination", "nominee", "linked_by", "score")) == before


def test_the_bulk_run_and_one_at_a_time_assignment_agree(campaign):
    items = generate(150, seed=9)
    bulk_ids = insert_synthetic(campaign, items, prefix="BULK")
    services.cluster_campaign(campaign=campaign)
    bulk = {frozenset(bulk_ids.index(pk) for pk in group) for group in partition(bulk_ids)}
    NomineeMembership.objects.all().delete()
    MergeSuggestion.objects.all().delete()
    Nominee.objects.all().delete()
    for pk in bulk_ids:
        services.assign_nominee(nomination_id=pk)
    single = {frozenset(bulk_ids.index(pk) for pk in group) for group in partition(bulk_ids)}
    assert single == bulk


def test_new_nominations_after_a_run_join_the_nominees_it_made(campaign, synthetic, make_nomination):
    ids, _ = synthetic
    services.cluster_campaign(campaign=campaign)
    existing = NomineeMembership.objects.select_related("nomination").get(nomination_id=ids[0])
    copy = make_nomination(
        nominee_name=existing.nomination.nominee_name, nominee_kind=existing.nomination.nominee_kind,
        area_code=existing.nomination.area.code if existing.nomination.area else None,
        place_detail=existing.nomination.place_detail, deeds=existing.nomination.deeds,
    )
    summary = services.cluster_campaign(campaign=campaign)
    assert (summary.nominations, summary.new_nominees) == (1, 0)
    assert NomineeMembership.objects.get(nomination=copy).nominee_id == existing.nominee_id


def test_a_rebuild_keeps_what_editors_decided(campaign, synthetic, editor):
    ids, _ = synthetic
    services.cluster_campaign(campaign=campaign)
    people = Nominee.objects.filter(kind="individual")
    groups = sorted((g for g in partition(ids) if people.filter(memberships__nomination_id=min(g)).exists()),
                    key=lambda group: (-len(group), min(group)))
    biggest = NomineeMembership.objects.get(nomination_id=min(groups[0])).nominee
    other = NomineeMembership.objects.get(nomination_id=min(groups[-1])).nominee
    change = services.merge_nominees(source=other, target=biggest, actor=editor, reason="same")
    decided = sorted(NomineeMembership.objects.filter(nominee=biggest).values_list("nomination", "linked_by"))
    automatic_before = partition(ids) - {frozenset(n for n, _ in decided)}
    summary = services.cluster_campaign(campaign=campaign, rebuild=True)
    assert sorted(NomineeMembership.objects.filter(nominee=biggest).values_list("nomination", "linked_by")) == decided
    assert Nominee.objects.get(pk=change.source_id).state == "merged"
    assert partition(ids) - {frozenset(n for n, _ in decided)} == automatic_before
    assert (summary.removed_nominees, summary.nominations) == (len(automatic_before), 400 - len(decided))


def test_the_run_command_reports_per_campaign(campaign, synthetic, capsys):
    call_command("dedup", "run", "--campaign", campaign.slug)
    out = capsys.readouterr().out
    assert out.startswith(f"{campaign.slug}: 400 nominations assigned, ")
    assert NomineeMembership.objects.count() == 400


def test_the_eval_command_prints_precision_and_recall(capsys):
    call_command("dedup", "eval", "--mistakes")
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == ["part", "pairs", "same", "auto", "P", "auto", "R", "sugg", "P", "sugg", "R",
                                "surfaced", "P", "surfaced", "R", "wrong", "merges"]
    assert [line.split()[0] for line in lines[2:5]] == ["tune", "held_out", "all"]
    assert lines[4].split()[-1] == "0"  # no wrong automatic merge


@pytest.mark.django_db(transaction=True)
def test_bulk_audit_rows_are_refused_outside_the_changing_transaction(campaign):
    from xuanshu.core.services import record_activities

    with pytest.raises(RuntimeError):
        record_activities([{"action": "nominee.auto_merge", "subject": campaign}])
    assert ActivityLog.objects.filter(action="nominee.auto_merge").count() == 0
