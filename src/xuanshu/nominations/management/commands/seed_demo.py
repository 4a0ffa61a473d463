from django.core.management.base import BaseCommand, CommandError

from xuanshu.campaigns.models import Campaign
from xuanshu.nominations.demo import seed_demo_nominations


class Command(BaseCommand):
    help = "Seed realistic demo nominations (marked as demo) into a campaign loaded with --rehearsal."

    def add_arguments(self, parser):
        parser.add_argument("--campaign", required=True)
        parser.add_argument("--count", type=int, default=200)

    def handle(self, *args, campaign, count, **options):
        try:
            target = Campaign.objects.get(slug=campaign)
        except Campaign.DoesNotExist:
            raise CommandError(f"no campaign '{campaign}'; load it first with `campaign load FILE --rehearsal`") from None
        if not target.is_demo:
            raise CommandError(f"campaign '{campaign}' is live, not a rehearsal: demo data goes only into a rehearsal campaign")
        created = seed_demo_nominations(campaign=target, count=count)
        self.stdout.write(self.style.SUCCESS(f"demo nominations: {created} created, {count - created} already there"))
