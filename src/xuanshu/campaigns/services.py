"""The only writers of campaigns and their categories, areas and stages."""
import dataclasses
import datetime as dt
import hashlib
import zoneinfo
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xuanshu.campaigns.loader import CampaignSpec, StageSpec
from xuanshu.campaigns.models import Area, Campaign, Category, Stage
from xuanshu.campaigns.selectors import forget_campaign_choices
from xuanshu.core.errors import DomainError
from xuanshu.core.services import record_activity


@dataclass
class LoadResult:
    campaign: Campaign
    created: bool
    changes: dict


_CAMPAIGN_FIELDS = [
    "name", "year", "edition", "organiser", "undertaker", "reference_prefix", "keyword", "keyword_variants",
    "nominee_kinds", "deeds_min_length", "max_photos", "max_photo_bytes", "wechat_account", "mailbox",
    "hotline", "public_site", "eligibility", "privacy_notice",
]


def rehearsal_stages(spec: CampaignSpec, *, today: dt.date | None = None) -> list[StageSpec]:
    """Shift the whole schedule by whole days so that the nomination stage opens today."""
    tz = zoneinfo.ZoneInfo(spec.timezone)
    today = today or timezone.now().astimezone(tz).date()
    nomination = next(stage for stage in spec.stages if stage.kind == "nomination")
    shift = dt.timedelta(days=(today - nomination.starts_at.astimezone(tz).date()).days)
    return [dataclasses.replace(stage, starts_at=stage.starts_at + shift, ends_at=stage.ends_at + shift) for stage in spec.stages]


@transaction.atomic
def load_campaign(*, spec: CampaignSpec, source_text: str, actor=None, rehearsal: bool = False) -> LoadResult:
    """Create or update a campaign from a validated spec; loading the same spec again changes nothing."""
    stages = rehearsal_stages(spec) if rehearsal else spec.stages
    campaign = Campaign.objects.select_for_update().filter(slug=spec.slug).first()
    created = campaign is None
    if created:
        campaign = Campaign(slug=spec.slug)
    changes: dict = {}
    for name in _CAMPAIGN_FIELDS:
        _assign(campaign, name, getattr(spec, name), changes, "")
    _assign(campaign, "is_demo", rehearsal, changes, "")
    _assign(campaign, "source_sha256", hashlib.sha256(source_text.encode()).hexdigest(), changes, "")
    if created or changes:
        campaign.full_clean(exclude=["last_reference_number"])
        campaign.save()

    _sync_children(campaign, Category, "code", [
        {"code": c.code, "name": c.name, "description": c.description, "sort_order": i, "is_active": True}
        for i, c in enumerate(spec.categories)
    ], changes, "categories")
    _sync_children(campaign, Area, "code", [
        {"code": a.code, "name": a.name, "kind": a.kind, "sort_order": i, "is_active": True}
        for i, a in enumerate(spec.areas)
    ], changes, "areas")
    _sync_children(campaign, Stage, "kind", [
        {"kind": s.kind, "starts_at": s.starts_at, "ends_at": s.ends_at} for s in stages
    ], changes, "stages", deactivate=False)
    if spec.voting is not None:
        from xuanshu.voting.services import sync_voting_rules  # the voting app owns its rules' table

        sync_voting_rules(campaign=campaign, spec=spec.voting, changes=changes)

    if created or changes:
        record_activity(
            actor=actor, actor_label="cli", action="campaign.create" if created else "campaign.update",
            subject=campaign, campaign=campaign, new_value=_jsonable(changes),
            reason="rehearsal schedule" if rehearsal else "",
        )
        # Now for this transaction's own reads, and again after the commit in case another request cached the
        # old list in between.
        forget_campaign_choices()
        transaction.on_commit(forget_campaign_choices)
    return LoadResult(campaign=campaign, created=created, changes=changes)


def _assign(obj, name: str, value, changes: dict, prefix: str) -> None:
    if getattr(obj, name) != value:
        changes[f"{prefix}{name}"] = {"old": getattr(obj, name), "new": value}
        setattr(obj, name, value)


def _sync_children(campaign, model, key: str, rows: list[dict], changes: dict, label: str, deactivate=True) -> None:
    existing = {getattr(obj, key): obj for obj in model.objects.filter(campaign=campaign)}
    for row in rows:
        obj = existing.pop(row[key], None) or model(campaign=campaign)
        before = len(changes)
        for name, value in row.items():
            _assign(obj, name, value, changes, f"{label}.{row[key]}.")
        if len(changes) != before or obj.pk is None:
            obj.full_clean(exclude=["campaign"])
            obj.save()
    # Entries dropped from the file may already be referenced by nominations: retire them, never delete.
    for code, obj in existing.items():
        if deactivate and obj.is_active:
            _assign(obj, "is_active", False, changes, f"{label}.{code}.")
            obj.save(update_fields=["is_active"])
        elif not deactivate:
            changes[f"{label}.{code}"] = {"old": "present", "new": "removed"}
            obj.delete()


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def open_rehearsal_voting(*, campaign, now: dt.datetime | None = None, days: int = 14) -> Stage:
    """Rehearsal only: move the voting stage so that the vote is open now, for `make run`'s demo vote.
    A live campaign's schedule comes only from its campaign file."""
    if not campaign.is_demo:
        raise DomainError(_("Only a rehearsal campaign's voting can be opened for a demo."), code="not_rehearsal")
    now = now or timezone.now()
    with transaction.atomic():
        stage = Stage.objects.select_for_update().get(campaign=campaign, kind="voting")
        old = {"starts_at": stage.starts_at.isoformat(), "ends_at": stage.ends_at.isoformat()}
        stage.starts_at, stage.ends_at = now - dt.timedelta(days=2), now + dt.timedelta(days=days)
        stage.save(update_fields=["starts_at", "ends_at"])
        record_activity(actor=None, actor_label="cli", action="campaign.update", subject=campaign, campaign=campaign,
                        old_value={"stages.voting": old},
                        new_value={"stages.voting": {"starts_at": stage.starts_at.isoformat(), "ends_at": stage.ends_at.isoformat()}},
                        reason="rehearsal: the demo vote is open")
    return stage
