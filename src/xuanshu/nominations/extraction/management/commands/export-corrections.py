import json
import sys

from django.core.management.base import BaseCommand, CommandError

from xuanshu.nominations.extraction.corrections import corrected_examples


class Command(BaseCommand):
    help = (
        "Export editors' corrections of extracted fields as labelled examples, one JSON object a line: "
        "{text, extracted, corrected, changed, …}. Contacts are masked unless --include-contacts."
    )

    def add_arguments(self, parser):
        parser.add_argument("--campaign", metavar="SLUG", help="Only this campaign's nominations")
        parser.add_argument("--all", dest="include_uncorrected", action="store_true", help="Also nominations no editor has corrected")
        parser.add_argument("--include-contacts", action="store_true", help="Keep phone numbers and e-mail addresses")
        parser.add_argument("--output", metavar="FILE", help="Write to FILE instead of standard output")

    def handle(self, *args, campaign=None, include_uncorrected=False, include_contacts=False, output=None, **options):
        if campaign:
            from xuanshu.campaigns.models import Campaign

            if not Campaign.objects.filter(slug=campaign).exists():
                raise CommandError(f"no campaign '{campaign}'")
        rows = corrected_examples(campaign_slug=campaign, include_uncorrected=include_uncorrected, include_contacts=include_contacts)
        stream = open(output, "w", encoding="utf-8") if output else None
        count = 0
        try:
            for row in rows:
                line = json.dumps(row, ensure_ascii=False) + "\n"
                if stream:
                    stream.write(line)
                else:
                    self.stdout.write(line, ending="")
                count += 1
        finally:
            if stream:
                stream.close()
        sys.stderr.write(f"{count} examples\n")
