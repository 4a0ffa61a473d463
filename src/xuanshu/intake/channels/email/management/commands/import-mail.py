from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from xuanshu.campaigns.models import Campaign
from xuanshu.intake.channels.email.importing import ProgressBar, import_mail


class Command(BaseCommand):
    help = "Import saved e-mail into the raw store: .eml files, folders of them, and mbox files."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument("--campaign", metavar="SLUG", help="Campaign the mail belongs to (needed when there are several)")
        parser.add_argument("--progress", action="store_true", help="Show the progress bar even when stderr is not a terminal")

    def handle(self, *args, paths, campaign=None, progress=False, **options):
        target = self._campaign(campaign)
        stream = _Unterminated(self.stderr)
        summary = import_mail(
            paths=paths, campaign=target,
            progress=lambda total: ProgressBar(total, stream=stream, enabled=True if progress else None),
            on_error=lambda message: self.stderr.write(_("failed: %(error)s") % {"error": message}),
        )
        self.stdout.write(_("imported: %(imported)d, duplicates: %(duplicates)d, failed: %(failed)d") % {
            "imported": summary.imported, "duplicates": summary.duplicates, "failed": summary.failed,
        })

    def _campaign(self, slug: str | None) -> Campaign:
        if slug:
            found = Campaign.objects.filter(slug=slug).first()
            if found is None:
                raise CommandError(_("No campaign with the slug %(slug)s.") % {"slug": slug})
            return found
        campaigns = list(Campaign.objects.all()[:2])
        if len(campaigns) != 1:
            raise CommandError(_("Name the campaign with --campaign SLUG."))
        return campaigns[0]


class _Unterminated:
    """The command's stderr without the newline Django adds to every write: the bar redraws one line."""

    def __init__(self, wrapper):
        self.wrapper = wrapper

    def write(self, text: str) -> None:
        self.wrapper.write(text, ending="")

    def flush(self) -> None:
        self.wrapper.flush()

    def isatty(self) -> bool:
        return self.wrapper.isatty()
