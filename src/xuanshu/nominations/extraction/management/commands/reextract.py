from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from xuanshu.campaigns.models import Campaign
from xuanshu.nominations.extraction.extractor import EXTRACTOR_VERSION
from xuanshu.nominations.extraction.services import reextract_stale, stale_extractions

SHOWN_NOMINEES = 20
# The rewritable fields by the labels the console shows them with.
FIELD_LABELS = {"nominee_name": "Nominee", "nominee_kind": "Kind", "category": "Category", "area": "County",
                "place_detail": "Place", "nominator_name": "Nominator"}


class Command(BaseCommand):
    help = (
        "Read again, with the running rules, the messages whose stored extraction an older rules version made; fields "
        "an editor corrected are kept. Then name the nominees whose grouping may change and suggest (or, with "
        "--rebuild-dedup, run) `dedup run --rebuild`."
    )

    def add_arguments(self, parser):
        parser.add_argument("--campaign", metavar="SLUG", help="Only this campaign's nominations")
        parser.add_argument("--batch-size", type=int, default=200, help="Extractions per transaction batch (default 200)")
        parser.add_argument("--dry-run", action="store_true", help="Report what would change; store nothing")
        parser.add_argument("--rebuild-dedup", action="store_true",
                            help="Afterwards run `dedup run --rebuild` for each campaign whose nominees may regroup")

    def handle(self, *args, campaign=None, batch_size=200, dry_run=False, rebuild_dedup=False, **options):
        if batch_size < 1:
            raise CommandError(_("--batch-size must be a whole number of 1 or more."))
        if dry_run and rebuild_dedup:
            raise CommandError(_("--dry-run and --rebuild-dedup cannot be used together."))
        scope = None
        if campaign:
            scope = Campaign.objects.filter(slug=campaign).first()
            if scope is None:
                raise CommandError(_("No campaign with the slug %(slug)s.") % {"slug": campaign})
        total = stale_extractions(campaign=scope).count()
        if not total:
            self.stdout.write(_("Every stored extraction was made by the running rules (%(version)s); nothing to do.")
                              % {"version": EXTRACTOR_VERSION})
            return
        self.stdout.write(_("%(count)d stored extractions were made by older rules; reading them again with %(version)s%(dry)s.") % {
            "count": total, "version": EXTRACTOR_VERSION, "dry": _(" (dry run: nothing is stored)") if dry_run else ""})

        def progress(summary, remaining):
            self.stdout.write(_("  %(done)d of %(total)d read again, %(changed)d nominations changed") % {
                "done": total - remaining, "total": total, "changed": summary.nominations_changed})

        summary = reextract_stale(campaign=scope, batch_size=batch_size, dry_run=dry_run, progress=progress)
        self._report(summary, dry_run=dry_run, rebuild_dedup=rebuild_dedup)

    def _report(self, summary, *, dry_run, rebuild_dedup):
        from xuanshu.nominations.dedup.models import Nominee

        versions = "，".join(f"{version} {count}" for version, count in sorted(summary.versions.items()))
        self.stdout.write(_("Done: %(count)d extractions read again (%(versions)s).") % {
            "count": summary.reextracted, "versions": versions or "-"})
        changed = "，".join(f"{_(FIELD_LABELS[name])} {count}" for name, count in sorted(summary.fields_changed.items()))
        self.stdout.write(_("Nominations whose fields were rewritten: %(count)d (%(fields)s).") % {
            "count": summary.nominations_changed, "fields": changed or "-"})
        self.stdout.write(_("Fields left as they are (corrected by an editor, or not from the extractor): %(count)d.")
                          % {"count": summary.kept_for_editors})
        if not summary.regroup_nominees and not summary.unassigned_renamed:
            self.stdout.write(_("No nominee's grouping can change: no name, kind, county or place was rewritten."))
            return
        nominees = Nominee.objects.filter(pk__in=summary.regroup_nominees).order_by("pk")
        self.stdout.write(ngettext(
            "%(count)d nominee's grouping may change:", "%(count)d nominees' grouping may change:", len(summary.regroup_nominees),
        ) % {"count": len(summary.regroup_nominees)})
        for nominee in nominees[:SHOWN_NOMINEES]:
            self.stdout.write(f"  #{nominee.pk} {nominee.name}")
        if len(summary.regroup_nominees) > SHOWN_NOMINEES:
            self.stdout.write(_("  … and %(count)d more") % {"count": len(summary.regroup_nominees) - SHOWN_NOMINEES})
        if summary.unassigned_renamed:
            self.stdout.write(_("%(count)d rewritten nominations have no nominee yet.") % {"count": len(summary.unassigned_renamed)})
        campaigns = Campaign.objects.filter(pk__in=summary.campaigns).order_by("slug")
        if dry_run:
            return
        if not rebuild_dedup:
            for campaign in campaigns:
                self.stdout.write(_("To regroup, run: python -m xuanshu dedup run --campaign %(slug)s --rebuild") % {"slug": campaign.slug})
            return
        from xuanshu.nominations.dedup.services import cluster_campaign

        for campaign in campaigns:
            result = cluster_campaign(campaign=campaign, rebuild=True)
            self.stdout.write(_("%(slug)s regrouped: %(nominations)d nominations assigned, %(new)d new nominees, "
                                "%(joined)d matched automatically, %(suggestions)d suggestions.") % {
                "slug": campaign.slug, "nominations": result.nominations, "new": result.new_nominees,
                "joined": result.joined, "suggestions": result.suggestions})
