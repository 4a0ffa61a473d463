"""Start-up checks of the public origin that status links are made under (`python -m xuanshu check`, `migrate`, `serve`).

An invalid XUANSHU_PUBLIC_BASE_URL is an error: no link is made under it, and the operator must fix it. A live
campaign without any origin is a warning: its e-mail acknowledgements, partner API answers and the hotline desk carry
the reference and how to look it up, but no status link, and no status link can be sent by text message.
"""
from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from xuanshu.public.links import InvalidOrigin, clean_public_origin

TAG = "public_links"


@register(TAG)
def check_public_base_url(app_configs=None, **kwargs):
    value = getattr(settings, "XUANSHU_PUBLIC_BASE_URL", "") or ""
    if not value.strip():
        return []
    try:
        clean_public_origin(value)
    except InvalidOrigin as problem:
        return [Error(
            _("XUANSHU_PUBLIC_BASE_URL %(problem)s: no status link is made under it.") % {"problem": problem},
            hint=_("Set it to the citizen site's origin alone, such as https://xuanshu.example.cn (https; plain http only "
                   "for 127.0.0.1 or localhost), or unset it to use each campaign file's contacts.public_site."),
            id="xuanshu.E001",
        )]
    return []


@register(TAG, Tags.database)
def check_campaigns_have_a_public_origin(app_configs=None, databases=None, **kwargs):
    """Campaigns not yet over whose status links would be missing; only when the database may be read."""
    if not databases or (getattr(settings, "XUANSHU_PUBLIC_BASE_URL", "") or "").strip():
        return []
    from xuanshu.campaigns.models import Campaign

    try:
        slugs = list(
            Campaign.objects.filter(public_site="").annotate(last_ends=Max("stages__ends_at"))
            .filter(Q(last_ends__gt=timezone.now()) | Q(last_ends__isnull=True)).values_list("slug", flat=True)
        )
    except DatabaseError:  # not migrated yet: nothing to check
        return []
    if not slugs:
        return []
    return [Warning(
        _("No public origin for campaign(s) %(slugs)s: e-mail acknowledgements, partner API answers and the hotline "
          "desk will carry the reference number and how to look it up, but no status link, and no status link can be "
          "sent by text message.") % {"slugs": ", ".join(slugs)},
        hint=_("Set XUANSHU_PUBLIC_BASE_URL=https://… (every campaign), or contacts.public_site in the campaign file "
               "and load it again (`python -m xuanshu campaign load FILE`)."),
        id="xuanshu.W001",
    )]
