"""Clustering a whole campaign in memory, then writing the result in bulk (services.cluster_campaign).

The same decision as one-at-a-time assignment (clustering.decide), applied in arrival order, with every
nominee of a block held in memory instead of read from the database for each nomination.
"""
import json
import time
from collections import Counter

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from xuanshu.campaigns.models import Campaign
from xuanshu.core.services import record_activities
from xuanshu.nominations.dedup.clustering import BlockIndex, decide
from xuanshu.nominations.dedup.matching import Features, features_for
from xuanshu.nominations.dedup.models import (
    LinkedBy,
    MergeSuggestion,
    Nominee,
    NomineeChange,
    NomineeMembership,
    NomineeState,
    SuggestionState,
)
from xuanshu.nominations.dedup.places import AreaAliases
from xuanshu.nominations.models import Nomination

BATCH = 2000
READ_CHUNK = 5000


def _records(queryset):
    from xuanshu.nominations.dedup.services import RECORD_FIELDS, record_of

    for row in queryset.values_list(*RECORD_FIELDS).iterator(chunk_size=READ_CHUNK):
        yield record_of(row)


def run_clustering(*, campaign_id: int, aliases: AreaAliases, timings: dict | None = None) -> dict:
    """Assign the campaign's unassigned named nominations; call inside a transaction holding the campaign lock.

    `timings`, when given, receives the seconds spent reading and clustering, and writing.
    """
    started = time.perf_counter()
    index = BlockIndex()
    existing = (
        Nomination.objects.filter(campaign_id=campaign_id, nominee_membership__nominee__state=NomineeState.ACTIVE)
        .order_by("nominee_membership__nominee_id", "received_at", "id")
    )
    nominee_of = dict(
        NomineeMembership.objects.filter(campaign_id=campaign_id).values_list("nomination_id", "nominee_id")
    )
    for record in _records(existing):
        features = features_for(record, aliases)
        if features is not None:
            index.add(nominee_of[record.nomination_id], features)

    pending = (
        Nomination.objects.filter(campaign_id=campaign_id, nominee_membership__isnull=True)
        .exclude(nominee_name="")
        .order_by("received_at", "id")
    )
    new_clusters: dict[str, list[Features]] = {}
    links: list[tuple[Features, object, object]] = []  # (features, nominee key, match)
    suggestions: dict[frozenset, tuple] = {}  # {key, other key} → (key, nomination, other key, other nomination, match)
    for record in _records(pending):
        features = features_for(record, aliases)
        if features is None:
            continue
        decision = decide(features, index.candidates_for(features))
        if decision.joins is not None:
            key = decision.joins.candidate
        else:
            key = f"new-{len(new_clusters)}"
            new_clusters[key] = []
        if key in new_clusters:
            new_clusters[key].append(features)
        index.add(key, features)
        links.append((features, key, decision.joins.match if decision.joins else None))
        for pair in decision.suggestions:
            ends = frozenset((key, pair.candidate))
            if len(ends) == 2 and (ends not in suggestions or suggestions[ends][4].score < pair.match.score):
                suggestions[ends] = (key, features.nomination_id, pair.candidate, pair.other.nomination_id, pair.match)

    clustered = time.perf_counter()
    nominee_ids = _create_nominees(campaign_id, new_clusters)
    _create_memberships(campaign_id, links, nominee_ids)
    suggested = _create_suggestions(campaign_id, suggestions, nominee_ids)
    joined = _audit_joins(Campaign.objects.get(pk=campaign_id), links, nominee_ids)
    if timings is not None:
        timings.update(read_and_cluster=clustered - started, write=time.perf_counter() - clustered)
    return {"nominations": len(links), "new_nominees": len(new_clusters), "joined": joined, "suggestions": suggested}


def _create_nominees(campaign_id: int, clusters: dict[str, list[Features]]) -> dict:
    """Create one nominee per new cluster; map each provisional key to the new id."""
    keys = list(clusters)
    nominees = []
    for key in keys:
        members = clusters[key]
        areas = Counter(member.area_id for member in members if member.area_id is not None)
        nominees.append(Nominee(
            campaign_id=campaign_id, name=members[0].name[:100], kind=members[0].kind,
            area_id=areas.most_common(1)[0][0] if areas else None,
        ))
    created = Nominee.objects.bulk_create(nominees, batch_size=BATCH)
    return {key: nominee.pk for key, nominee in zip(keys, created)}


def _resolve(key, nominee_ids: dict) -> int:
    return nominee_ids.get(key, key)


def _create_memberships(campaign_id: int, links, nominee_ids: dict) -> None:
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = [
        (
            features.nomination_id, _resolve(key, nominee_ids), campaign_id, features.block_key,
            LinkedBy.NEW if match is None else LinkedBy.AUTO, match.score if match else None,
            json.dumps(match.reasons if match else []), now,
        )
        for features, key, match in links
    ]
    fields = ["nomination", "nominee", "campaign", "block_key", "linked_by", "score", "reasons", "linked_at"]
    insert_rows(NomineeMembership, fields, rows)


def insert_rows(model, fields: list[str], rows: list[tuple]) -> None:
    """Plain INSERTs (COPY on PostgreSQL) for rows whose values are already in database form.

    Django's bulk_create spends most of its time preparing each value of each row (about 40 µs a row
    here); writing 100,000 links this way takes a fraction of that.
    """
    meta = model._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    columns = ", ".join(quote(meta.get_field(name).column) for name in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})", rows)


def _create_suggestions(campaign_id: int, suggestions: dict, nominee_ids: dict) -> int:
    rows = []
    for key_a, nomination_a, key_b, nomination_b, match in suggestions.values():
        (a, nomination_a), (b, nomination_b) = sorted(
            [(_resolve(key_a, nominee_ids), nomination_a), (_resolve(key_b, nominee_ids), nomination_b)]
        )
        if a == b:
            continue
        rows.append(MergeSuggestion(
            campaign_id=campaign_id, nominee_a_id=a, nominee_b_id=b, nomination_a_id=nomination_a,
            nomination_b_id=nomination_b, score=match.score, reasons=list(match.reasons),
        ))
    # A pair decided by an editor earlier keeps its decision: the unique pair constraint skips it.
    MergeSuggestion.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)
    return len(rows)


def _audit_joins(campaign, links, nominee_ids: dict) -> int:
    """One audit row per nominee that nominations joined automatically, listing them with score and reasons."""
    joins: dict[int, list] = {}
    for features, key, match in links:
        if match is not None:
            joins.setdefault(_resolve(key, nominee_ids), []).append(
                {"nomination": features.nomination_id, "score": match.score, "reasons": list(match.reasons)}
            )
    nominees = Nominee.objects.in_bulk(list(joins))
    record_activities(
        {"actor_label": "dedup", "action": "nominee.auto_merge", "subject": nominees[nominee_id], "campaign": campaign,
         "new_value": {"joined": joined}, "reason": "matched automatically by the bulk run"}
        for nominee_id, joined in joins.items()
    )
    return sum(len(joined) for joined in joins.values())


def drop_automatic_nominees(*, campaign_id: int) -> int:
    """Delete the nominees no editor has touched, with their links and open suggestions.

    Kept: nominees with a link an editor made, in an editor's merge or split, or in a decided suggestion,
    and whatever those point to. Deletes go by subquery: a campaign can have more nominees than SQLite
    accepts query parameters.
    """
    nominees = Nominee.objects.filter(campaign_id=campaign_id)
    kept = set(NomineeMembership.objects.filter(campaign_id=campaign_id, linked_by=LinkedBy.EDITOR).values_list("nominee_id", flat=True))
    for source, target in NomineeChange.objects.filter(campaign_id=campaign_id).values_list("source_id", "target_id"):
        kept.update((source, target))
    decided = MergeSuggestion.objects.filter(campaign_id=campaign_id).exclude(state=SuggestionState.OPEN)
    for a, b in decided.values_list("nominee_a_id", "nominee_b_id"):
        kept.update((a, b))
    pointers = dict(nominees.filter(merged_into__isnull=False).values_list("id", "merged_into_id"))
    frontier = list(kept)
    while frontier:  # what a kept nominee points to is kept too
        target = pointers.get(frontier.pop())
        if target is not None and target not in kept:
            kept.add(target)
            frontier.append(target)
    doomed = nominees.exclude(pk__in=kept)
    count = doomed.count()
    NomineeMembership.objects.filter(campaign_id=campaign_id, nominee__in=doomed.values("pk")).delete()
    MergeSuggestion.objects.filter(campaign_id=campaign_id, state=SuggestionState.OPEN).filter(
        Q(nominee_a__in=doomed.values("pk")) | Q(nominee_b__in=doomed.values("pk"))
    ).delete()
    # Nominees emptied automatically point to where their nomination went: they go before their targets.
    remaining = dict(doomed.filter(state=NomineeState.MERGED).values_list("pk", "merged_into_id"))
    while remaining:
        leaves = set(remaining) - set(remaining.values())
        if not leaves:
            raise RuntimeError(f"nominees point at each other in a cycle: {sorted(remaining)}")
        Nominee.objects.filter(pk__in=leaves).delete()
        remaining = {pk: target for pk, target in remaining.items() if pk not in leaves}
    doomed.delete()
    return count
