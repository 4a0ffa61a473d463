from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from xuanshu.campaigns.models import Campaign
from xuanshu.nominations.demo import seed_demo_nominations


class Command(BaseCommand):
    help = "Seed realistic demo nominations (marked as demo) into a campaign loaded with --rehearsal."

    def add_arguments(self, parser):
        parser.add_argument("--campaign", required=True)
        parser.add_argument("--count", type=int, default=200)

    def handle(self, *args, campaign, count, **options):
        target = Campaign.objects.filter(slug=campaign).first()
        if target is None:
            raise CommandError(
                _("No campaign %(slug)s: load it first with `campaign load FILE --rehearsal`.") % {"slug": campaign}
            )
        if not target.is_demo:
            raise CommandError(
                _("Campaign %(slug)s is live, not a rehearsal: demo data goes only into a rehearsal campaign.")
                % {"slug": campaign}
            )
        created = seed_demo_nominations(campaign=target, count=count)
        self.stdout.write(
            self.style.SUCCESS(
                _("Demo nominations of %(slug)s: %(created)s created, %(existing)s already there.")
                % {"slug": campaign, "created": created, "existing": count - created}
            )
        )
