import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from xuanshu.nominations.extraction.extractor import extract_fields
from xuanshu.nominations.extraction.profile import default_profile, profile_for_campaign, profile_from_spec


def resolve_profile(slug: str | None, campaign_file: str | None):
    """A loaded campaign, a campaign file (no database needed), or the shipped defaults."""
    if slug:
        from xuanshu.campaigns.models import Campaign

        try:
            return profile_for_campaign(Campaign.objects.get(slug=slug))
        except Campaign.DoesNotExist:
            raise CommandError(f"no campaign '{slug}'") from None
    if campaign_file:
        from xuanshu.campaigns.loader import CampaignFileError, parse_campaign

        path = Path(campaign_file)
        try:
            return profile_from_spec(parse_campaign(path.read_text(encoding="utf-8"), str(path)))
        except (OSError, CampaignFileError) as error:
            raise CommandError(str(error)) from None
    return default_profile()


class Command(BaseCommand):
    help = "Read one nomination message on stdin and print what the extractor reads out of it, as JSON."

    def add_arguments(self, parser):
        parser.add_argument("--campaign", metavar="SLUG", help="Use a loaded campaign's categories, areas and keyword")
        parser.add_argument("--campaign-file", metavar="FILE", help="Use a campaign TOML file (no database needed)")
        parser.add_argument("--compact", action="store_true", help="One line of JSON instead of indented")

    def handle(self, *args, campaign=None, campaign_file=None, compact=False, **options):
        profile = resolve_profile(campaign, campaign_file)
        raw = sys.stdin.buffer.read()
        text = raw.decode("utf-8", errors="replace")
        result = extract_fields(text, profile)
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=None if compact else 2))
