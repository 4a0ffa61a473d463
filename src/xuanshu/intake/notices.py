"""What a sender is told when their nomination arrives outside the nomination stage: one text for every channel.

Callers choose the language (`translation.override("zh-hans")` for citizens).
"""
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from xuanshu.campaigns.enums import StageKind
from xuanshu.intake.enums import NominationWindow


def _nomination_stage(campaign):
    return next((stage for stage in campaign.stages.all() if stage.kind == StageKind.NOMINATION), None)


def _when(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def held_nomination_notice(campaign, held_because: str) -> str:
    """Nominations are closed (or not yet open), so the message was kept for the editors instead."""
    stage = _nomination_stage(campaign)
    if held_because == NominationWindow.CLOSED and stage is not None:
        return _(
            "Nominations for %(campaign)s closed on %(date)s, so your message was not registered as a nomination. "
            "We have kept it, and our editors will read it."
        ) % {"campaign": campaign.name, "date": _when(stage.ends_at)}
    if stage is not None:
        return _(
            "Nominations for %(campaign)s open on %(date)s, so your message was not registered as a nomination. "
            "We have kept it, and our editors will read it. Please send your nomination again once nominations are open."
        ) % {"campaign": campaign.name, "date": _when(stage.starts_at)}
    return _(
        "Nominations for %(campaign)s are not open, so your message was not registered as a nomination. "
        "We have kept it, and our editors will read it."
    ) % {"campaign": campaign.name}


def hotline_stage_warning(campaign, window: str) -> str:
    """For the operator logging a call: what happens to a nomination taken now."""
    stage = _nomination_stage(campaign)
    if window == NominationWindow.CLOSED and stage is not None:
        return _(
            "Nominations closed on %(date)s. A call logged as a nomination now is kept as a reader tip; "
            "tell the caller that nominations are closed and that their information is passed to the editors."
        ) % {"date": _when(stage.ends_at)}
    if stage is not None:
        return _(
            "Nominations open on %(date)s. A call logged as a nomination now is kept as a reader tip; "
            "tell the caller that nominations are not open yet and that their information is passed to the editors."
        ) % {"date": _when(stage.starts_at)}
    return _(
        "This campaign has no nomination period. A call logged as a nomination is kept as a reader tip."
    )
