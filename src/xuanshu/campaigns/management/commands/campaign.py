from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from xuanshu.campaigns.loader import CampaignFileError, parse_campaign
from xuanshu.campaigns.models import Campaign
from xuanshu.campaigns.services import load_campaign


class Command(BaseCommand):
    help = "Campaign files: `campaign load FILE [--rehearsal]`, `campaign list`."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="Create or update a campaign from its TOML file (idempotent)")
        load.add_argument("file")
        load.add_argument(
            "--rehearsal", action="store_true",
            help="Demo/rehearsal: shift the schedule so nomination opens today, and label the campaign as demo",
        )
        check = sub.add_parser("check", help="Validate a campaign file without loading it")
        check.add_argument("file")
        sub.add_parser("list", help="List loaded campaigns")

    def handle(self, *args, action, **options):
        if action == "list":
            for campaign in Campaign.objects.prefetch_related("stages"):
                stages = ", ".join(str(stage) for stage in campaign.stages.all())
                self.stdout.write(f"{campaign.slug}\t{campaign}\t{stages}")
            return
        path = Path(options["file"])
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            reason = _read_failure(error)
            raise CommandError(_("%(path)s: cannot read the campaign file: %(reason)s") % {
                "path": path, "reason": reason}) from None
        try:
            spec = parse_campaign(text, str(path))
        except CampaignFileError as error:
            raise CommandError(str(error)) from None
        if action == "check":
            self.stdout.write(_("%(path)s: the campaign file is valid: %(slug)s “%(name)s”, %(contents)s") % {
                "path": path, "slug": spec.slug, "name": f"{spec.name} {spec.edition}", "contents": _contents(spec)})
            return
        result = load_campaign(spec=spec, source_text=text, rehearsal=options["rehearsal"])
        values = {"slug": spec.slug, "name": f"{spec.name} {spec.edition}", "contents": _contents(spec)}
        # The file's own keys that changed; its digest changes with any edit, a comment included.
        keys = sorted(key for key in result.changes if key != "source_sha256")
        if result.created:
            self.stdout.write(self.style.SUCCESS(_("Created campaign %(slug)s “%(name)s”: %(contents)s") % values))
        elif keys:
            self.stdout.write(self.style.SUCCESS(_("Updated campaign %(slug)s “%(name)s”: %(count)s changes: %(keys)s") % {
                **values, "count": len(keys), "keys": ", ".join(keys)}))
        elif result.changes:
            self.stdout.write(_("Campaign %(slug)s “%(name)s”: the file was edited, its settings are unchanged") % values)
        else:
            self.stdout.write(_("Campaign %(slug)s “%(name)s” unchanged") % values)
        if options["rehearsal"]:
            nomination = result.campaign.stages.filter(kind="nomination").first()
            if nomination is not None:
                self.stdout.write(_("Rehearsal: the schedule is shifted so that nomination opens on %(date)s; every page "
                                    "says it is demo data.") % {"date": f"{timezone.localtime(nomination.starts_at):%Y-%m-%d}"})


def _contents(spec) -> str:
    """What the campaign file sets up, counted: categories, areas and stages."""
    return _("%(categories)s categories, %(areas)s areas, %(stages)s stages") % {
        "categories": len(spec.categories), "areas": len(spec.areas), "stages": len(spec.stages)}


def _read_failure(error: Exception) -> str:
    """Why the file could not be read, in the organiser's language where the cause is a common one."""
    if isinstance(error, UnicodeDecodeError):
        return _("it is not UTF-8 text; save it as UTF-8")
    if isinstance(error, FileNotFoundError):
        return _("no such file")
    if isinstance(error, IsADirectoryError):
        return _("it is a folder, not a file")
    if isinstance(error, PermissionError):
        return _("permission denied")
    return error.strerror or str(error)
