import json

from django.core.management.base import BaseCommand

from xuanshu.nominations.extraction.evaluation import FIELDS, PARTS, evaluate, load_part
from xuanshu.nominations.extraction.management.commands.extract import resolve_profile


class Command(BaseCommand):
    help = "Score the extractor on the labelled set: precision, recall, F1 and accuracy per field, per part."

    def add_arguments(self, parser):
        parser.add_argument("--part", choices=[*PARTS, "all"], default="all")
        parser.add_argument("--campaign-file", metavar="FILE", help="Campaign TOML file (default: the shipped defaults)")
        parser.add_argument("--errors", action="store_true", help="Also list each message a field got wrong")
        parser.add_argument("--json", dest="as_json", action="store_true", help="Print the figures as JSON")

    def handle(self, *args, part="all", campaign_file=None, errors=False, as_json=False, **options):
        profile = resolve_profile(None, campaign_file)
        parts = PARTS if part == "all" else (part,)
        report = {}
        for name in parts:
            examples = load_part(name)
            tallies = evaluate(examples, profile)
            report[name] = {"messages": len(examples), "fields": {field: tallies[field].as_dict() for field in FIELDS}}
            if not as_json:
                self._print_part(name, len(examples), tallies, errors)
        if as_json:
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))

    def _print_part(self, name, count, tallies, errors):
        self.stdout.write(f"\n{name}: {count} messages")
        self.stdout.write(f"{'field':<15}{'precision':>10}{'recall':>10}{'F1':>8}{'accuracy':>10}{'n':>6}")
        for field in FIELDS:
            figures = tallies[field].as_dict()
            self.stdout.write(
                f"{field:<15}{figures['precision']:>10.3f}{figures['recall']:>10.3f}{figures['f1']:>8.3f}"
                f"{figures['accuracy']:>10.3f}{figures['n']:>6}"
            )
        if errors:
            for field in FIELDS:
                for example_id, predicted, gold in tallies[field].errors:
                    self.stdout.write(f"  {field} {example_id}: got {predicted!r}, expected {gold!r}")
