from django.core.management.base import BaseCommand, CommandError

from xuanshu.campaigns.models import Campaign
from xuanshu.nominations.dedup import matching
from xuanshu.nominations.dedup.evaluation import LABELLED_PAIRS, PARTS, evaluate
from xuanshu.nominations.dedup.services import cluster_campaign


class Command(BaseCommand):
    help = (
        "Nominee records: `dedup run [--campaign SLUG] [--rebuild]` assigns every named nomination to a nominee; "
        "`dedup eval` prints precision and recall on the labelled pairs."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="Assign unassigned nominations (all campaigns unless --campaign)")
        run.add_argument("--campaign", help="Campaign slug")
        run.add_argument("--rebuild", action="store_true",
                         help="Drop automatic nominees first and cluster again; editors' merges and splits are kept")
        evaluation = sub.add_parser("eval", help="Precision and recall on the labelled pairs")
        evaluation.add_argument("--mistakes", action="store_true", help="List the pairs the finder got wrong")

    def handle(self, *args, action, **options):
        if action == "run":
            self._run(options)
        else:
            self._eval(options)

    def _run(self, options):
        campaigns = Campaign.objects.all()
        if options["campaign"]:
            campaigns = campaigns.filter(slug=options["campaign"])
            if not campaigns.exists():
                raise CommandError(f"no campaign {options['campaign']!r}")
        for campaign in campaigns:
            summary = cluster_campaign(campaign=campaign, rebuild=options["rebuild"])
            self.stdout.write(
                f"{campaign.slug}: {summary.nominations} nominations assigned, {summary.new_nominees} new nominees, "
                f"{summary.joined} matched automatically, {summary.suggestions} suggestions, "
                f"{summary.removed_nominees} automatic nominees rebuilt, {summary.seconds:.1f} s"
            )

    def _eval(self, options):
        outcomes = evaluate()
        self.stdout.write(f"labelled pairs: {LABELLED_PAIRS.name}; auto-merge at score >= {matching.AUTO_MERGE_SCORE}, "
                          f"suggestion at >= {matching.SUGGEST_SCORE}")
        self.stdout.write(f"{'part':<10}{'pairs':>6}{'same':>6}  {'auto P':>7}{'auto R':>7}  {'sugg P':>7}{'sugg R':>7}"
                          f"  {'surfaced P':>11}{'surfaced R':>11}  wrong merges")
        for part in (*PARTS, "all"):
            o = outcomes[part]
            self.stdout.write(
                f"{part:<10}{o.pairs:>6}{o.same:>6}  {o.auto_precision:>7.2f}{o.auto_recall:>7.2f}  "
                f"{o.suggestion_precision:>7.2f}{o.suggestion_recall:>7.2f}  {o.surfaced_precision:>11.2f}"
                f"{o.surfaced_recall:>11.2f}  {o.auto_false}"
            )
        self.stdout.write("auto: merged without an editor. sugg: shown to an editor (R = of the duplicates not merged "
                          "automatically). surfaced: either.")
        if options["mistakes"]:
            for pair, match in outcomes["all"].mistakes:
                verdict = "auto" if match and match.auto else "suggested" if match and match.suggest else "apart"
                score = match.score if match else "-"
                self.stdout.write(f"  {pair.part:<9}{'same' if pair.same else 'different':<10}{verdict:<10}{score!s:>4}  "
                                  f"{pair.case}  {pair.a} / {pair.b}")
