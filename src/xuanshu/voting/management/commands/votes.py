import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from xuanshu.campaigns.models import Campaign
from xuanshu.core.errors import DomainError
from xuanshu.voting import audit, backend, maintenance, selectors
from xuanshu.voting.enums import WEAKER_METHODS
from xuanshu.voting.services import open_ballot


class Command(BaseCommand):
    help = ("The public vote: `votes open CAMPAIGN`, `votes flush [--follow]`, `votes verify`, "
            "`votes export --out DIR`, `votes keygen`, `votes purge-state`, `votes repair-tallies [--dry-run]`.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        opener = sub.add_parser("open", help="Freeze the shortlisted nominations into the ballot (idempotent)")
        opener.add_argument("campaign")
        for name, text in [("verify", "Check the ledger chain, recount, and compare with the live tallies"),
                           ("flush", "Move the Redis ledger stream into the database")]:
            command = sub.add_parser(name, help=text)
            command.add_argument("--campaign", help="slug; default: every campaign with a ballot")
            if name == "flush":
                command.add_argument("--follow", action="store_true", help="Keep flushing until stopped")
                command.add_argument("--interval", type=float, default=0.5, help="Seconds to wait after a partial batch")
        export = sub.add_parser("export", help="Write the public audit record: ledger, decisions, signed tally")
        export.add_argument("--campaign")
        export.add_argument("--out", required=True)
        sub.add_parser("keygen", help="Print a new Ed25519 key for signing tallies")
        demo = sub.add_parser("demo", help="Rehearsal only: shortlist demo nominations, open the ballot and the vote, cast demo votes")
        demo.add_argument("--campaign", required=True)
        purge = sub.add_parser("purge-state", help="Delete expired vote state rows: counters, quotas, rate limits, markers")
        purge.add_argument("--batch-size", type=int, default=maintenance.PURGE_BATCH, help="Rows per transaction")
        repair = sub.add_parser("repair-tallies", help="Recount Redis's live tallies from the ledger and rewrite them")
        repair.add_argument("--campaign", help="slug; default: every campaign with a ballot")
        repair.add_argument("--dry-run", action="store_true", help="Show the differences without writing")

    def _demo(self, slug: str) -> None:
        from xuanshu.voting.demo import seed_demo_vote

        campaign = Campaign.objects.filter(slug=slug).first()
        if campaign is None:
            raise CommandError(_("No campaign %(slug)s: load it first with `campaign load FILE --rehearsal`.") % {"slug": slug})
        try:
            result = seed_demo_vote(campaign=campaign)
        except DomainError as error:
            raise CommandError(error.message) from None
        if result.already:
            self.stdout.write(_("Demo vote of %(slug)s: open, and already has votes.") % {"slug": slug})
        else:
            now = audit.listing(f"{audit.status_label(status)} {result.votes[status]}"
                                for status in audit.STATUSES if result.votes.get(status))
            self.stdout.write(self.style.SUCCESS(
                _("Demo vote of %(slug)s: %(shortlisted)s candidates shortlisted, %(votes)s votes cast, now %(now)s.") % {
                    "slug": slug, "shortlisted": result.shortlisted, "votes": sum(result.votes.values()), "now": now}))

    def handle(self, *args, action, **options):
        if action == "keygen":
            seed, public = audit.new_signing_seed()
            self.stdout.write(f"VOTING_TALLY_ED25519_KEY={seed}\n" + _("Public key (publish it): %(key)s") % {"key": public})
            return
        if action == "purge-state":
            if options["batch_size"] < 1:
                raise CommandError(_("--batch-size must be at least 1."))
            deleted = maintenance.purge_expired_state(batch_size=options["batch_size"])
            self.stdout.write(_("Purged %(count)s expired vote state rows.") % {"count": deleted})
            return
        if action == "demo":
            self._demo(options["campaign"])
            return
        if action == "open":
            campaign = Campaign.objects.filter(slug=options["campaign"]).first()
            if campaign is None:
                raise CommandError(_("No campaign %(slug)s.") % {"slug": options["campaign"]})
            try:
                ballot = open_ballot(campaign=campaign)
            except DomainError as error:
                raise CommandError(error.message) from None
            # Stored in UTC, read in the site's zone (Asia/Shanghai), as every time the organiser reads.
            self.stdout.write(_("Ballot of %(slug)s open since %(opened)s, %(count)s candidates.") % {
                "slug": campaign.slug, "opened": f"{timezone.localtime(ballot.opened_at):%Y-%m-%d %H:%M}",
                "count": campaign.candidates.count()})
            return
        campaigns = self._campaigns(options.get("campaign"))
        if action == "flush":
            self._flush(campaigns, follow=options["follow"], interval=options["interval"])
        elif action == "verify":
            self._flush(campaigns, follow=False, interval=0)
            self._warn_if_redis_forgets()
            failed = False
            for campaign in campaigns:
                report = self._verify_while_live(campaign)
                failed |= not report.ok
                self._print_report(campaign, report)
            if failed:
                raise CommandError(_("Verification failed."))
        elif action == "export":
            self._flush(campaigns, follow=False, interval=0)
            for campaign in campaigns:
                self._export(campaign, Path(options["out"]))
        elif action == "repair-tallies":
            self._repair(campaigns, dry_run=options["dry_run"])

    def _verify_while_live(self, campaign, attempts: int = 5):
        """`audit.verify` in one snapshot; read again when the flusher moved Redis's stream past the snapshot's
        ledger head while it ran (the live tallies then cannot be compared with that recount)."""
        for _attempt in range(attempts):
            with audit.read_snapshot():
                report = audit.verify(campaign.pk)
            if not report.live_stale:
                return report
        report.problem(_("Redis's live tallies were not compared: the ledger moved on in each of %(attempts)s tries; "
                         "run again.") % {"attempts": attempts})
        return report

    def _campaigns(self, slug):
        campaigns = Campaign.objects.filter(ballot__isnull=False)
        if slug:
            campaigns = campaigns.filter(slug=slug)
        found = list(campaigns)
        if slug and not found:
            raise CommandError(_("No open ballot for campaign %(slug)s.") % {"slug": slug})
        return found

    def _flush(self, campaigns, *, follow: bool, interval: float) -> None:
        if not backend.uses_redis():
            if follow:
                raise CommandError(_("No Redis configured: the database path writes the ledger directly."))
            return
        from xuanshu.voting import store_redis

        if not follow:
            moved = sum(store_redis.flush_all(c.pk) for c in campaigns)
            if moved:
                self.stdout.write(_("Flushed %(count)s ballots from Redis.") % {"count": moved})
            return
        while True:
            # Pausing between partial batches lets entries gather: one transaction per few hundred ballots
            # costs the database far less than one per handful, and the stream keeps them safe meanwhile.
            full = [store_redis.flush(c.pk) >= store_redis.FLUSH_BATCH for c in campaigns]
            if not any(full):
                time.sleep(interval)

    def _repair(self, campaigns, *, dry_run: bool) -> None:
        if not backend.uses_redis():
            raise CommandError(_("No Redis configured: the database tallies are written with the ledger; "
                                 "`votes verify` checks them."))
        # Drain the stream first, so the atomic Redis step has few acknowledged-but-unflushed ballots to add.
        self._flush(campaigns, follow=False, interval=0)
        for campaign in campaigns:
            try:
                repair = maintenance.repair_redis_tallies(campaign=campaign, dry_run=dry_run)
            except DomainError as error:
                raise CommandError(error.message) from None
            self._print_repair(campaign, repair)
        self._warn_if_redis_forgets()

    def _print_repair(self, campaign, repair) -> None:
        changed = repair.differences
        labels = audit.candidate_labels(campaign.pk)
        values = {"slug": campaign.slug, "count": len(changed), "pending": repair.pending}
        if not changed:
            self.stdout.write((_("%(slug)s: Redis tallies match the ledger (with %(pending)s ballots not yet flushed).")
                               if repair.pending else _("%(slug)s: Redis tallies match the ledger.")) % values)
        elif repair.written:
            self.stdout.write((_("%(slug)s: corrected %(count)s candidates (with %(pending)s ballots not yet flushed).")
                               if repair.pending else _("%(slug)s: corrected %(count)s candidates.")) % values)
        else:
            self.stdout.write((_("%(slug)s: would correct %(count)s candidates (with %(pending)s ballots not yet flushed).")
                               if repair.pending else _("%(slug)s: would correct %(count)s candidates.")) % values)
        for candidate in audit.in_ballot_order(labels, changed):
            old, new = changed[candidate]
            moves = audit.listing(f"{audit.status_label(status)} {old[status]} → {new[status]}"
                                  for status in old if old[status] != new[status])
            self.stdout.write("  " + _("%(candidate)s: %(moves)s") % {"candidate": audit.candidate_label(labels, candidate),
                                                                      "moves": moves})
        if repair.ledger_vs_database:
            named = audit.listing(audit.candidate_label(labels, c) for c in audit.in_ballot_order(labels, repair.ledger_vs_database))
            self.stdout.write(self.style.WARNING(
                "  " + _("warning: the database tallies of %(candidates)s disagree with the ledger too; run `votes verify`.")
                % {"candidates": named}))

    def _warn_if_redis_forgets(self) -> None:
        """The stream is the durable buffer only if Redis persists it: say so when it does not."""
        if not backend.uses_redis():
            return
        from xuanshu.voting import store_redis

        try:
            appendonly = store_redis.client().config_get("appendonly").get("appendonly")
        except Exception:  # CONFIG may be renamed or forbidden on managed Redis
            return
        if appendonly != "yes":
            self.stdout.write(self.style.WARNING(
                _("warning: Redis runs without appendonly; votes acknowledged but not yet flushed would be lost if "
                  "Redis itself stopped. Set `appendonly yes` (appendfsync everysec or always).")))

    def _print_report(self, campaign, report) -> None:
        values = {"slug": campaign.slug, "entries": report.entries, "decisions": report.decisions,
                  "in_flight": report.in_flight,
                  "status": (self.style.SUCCESS(pgettext("votes verify", "OK")) if report.ok
                             else self.style.ERROR(pgettext("votes verify", "FAILED")))}
        self.stdout.write((_("%(slug)s: %(status)s — %(entries)s ledger rows, %(decisions)s decisions, %(in_flight)s "
                             "ballots counted live and not yet flushed") if report.in_flight else
                           _("%(slug)s: %(status)s — %(entries)s ledger rows, %(decisions)s decisions")) % values)
        # One line per identity method, by its label; a weaker method is marked as weaker on its line.
        self.stdout.write("  " + (_("attempts by identity method:") if report.by_method else
                                  _("attempts by identity method: none")))
        for method, count in audit.methods_in_order(report.by_method):
            line = {"method": audit.method_label(method), "count": count}
            self.stdout.write("    " + (_("%(method)s: %(count)s attempts (weaker identity)") if method in WEAKER_METHODS
                                        else _("%(method)s: %(count)s attempts")) % line)
        labels = audit.candidate_labels(campaign.pk)
        for candidate in audit.in_ballot_order(labels, report.recount):
            # From the recount, so the split adds up to the verified `accepted` figure on the same line.
            by_method = {m or "-": n for m, n in report.counted_by_method.get(candidate, {}).items() if n}
            self.stdout.write("  " + _("%(candidate)s: %(counts)s; counted by identity method: %(methods)s; of which "
                                       "through a weaker identity check: %(weaker)s") % {
                "candidate": audit.candidate_label(labels, candidate), "counts": audit.format_counts(report.recount[candidate]),
                "methods": audit.format_methods(by_method), "weaker": selectors.weaker_count(by_method)})
        for problem in report.problems:
            self.stdout.write(self.style.ERROR(f"  {problem}"))

    def _export(self, campaign, out: Path) -> None:
        # The recount, the files and the tally's chain heads from one snapshot, so that the record checks out
        # while votes are still being cast; signed before any file is written, so that a missing key leaves no
        # unsigned half of a record behind.
        with audit.read_snapshot():
            report = audit.verify(campaign.pk)
            document = audit.tally_document(campaign, report)
            try:
                signature = audit.sign_document(document)
            except RuntimeError as error:
                raise CommandError(str(error)) from None
            out.mkdir(parents=True, exist_ok=True)
            with (out / f"{campaign.slug}-ledger.jsonl").open("w", encoding="utf-8") as handle:
                for row in audit.export_rows(campaign.pk):
                    handle.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
            with (out / f"{campaign.slug}-decisions.jsonl").open("w", encoding="utf-8") as handle:
                for row in audit.export_decisions(campaign.pk):
                    handle.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
        (out / f"{campaign.slug}-tally.json").write_text(
            json.dumps({"tally": document, "signature": signature}, ensure_ascii=False, indent=1), encoding="utf-8")
        values = {"slug": campaign.slug, "out": out}
        self.stdout.write((_("%(slug)s: wrote ledger, decisions and signed tally to %(out)s") if report.ok else
                           _("%(slug)s: wrote ledger, decisions and signed tally to %(out)s (verification FAILED: see "
                             "`votes verify`)")) % values)
