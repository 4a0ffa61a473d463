from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from xuanshu.campaigns.models import Campaign
from xuanshu.nominations.selectors import nominations_with_masked_text
from xuanshu.nominations.services import MASKED_TEXT_FIELDS, restore_numbers_from_raw

# The text fields by the labels the console shows them with.
FIELD_LABELS = {"nominee_name": "Nominee", "place_detail": "Place", "deeds": "Deeds", "nominator_name": "Nominator"}


class Command(BaseCommand):
    help = (
        "Put back, from each nomination's raw message, the resident ID, bank card and QQ numbers that older rules "
        "stored masked (in part) as phone numbers; the stored text now keeps them whole and every display masks them. "
        "Only those digits change; a field an editor wrote or corrected, or one that differs from the raw message in "
        "more than masked digits, is left as it is. A free-text message (WeChat, e-mail, partner app) gives its deeds."
    )

    def add_arguments(self, parser):
        parser.add_argument("--campaign", metavar="SLUG", help="Only this campaign's nominations")
        parser.add_argument("--dry-run", action="store_true", help="Report what would change; store nothing")

    def handle(self, *args, campaign=None, dry_run=False, **options):
        scope = None
        if campaign:
            scope = Campaign.objects.filter(slug=campaign).first()
            if scope is None:
                raise CommandError(_("No campaign with the slug %(slug)s.") % {"slug": campaign})
        ids = list(nominations_with_masked_text(campaign=scope).values_list("pk", flat=True))
        if not ids:
            self.stdout.write(_("No stored text has a masked digit; nothing to do."))
            return
        self.stdout.write(
            _("%(count)d nominations have masked digits in their stored text; comparing them with their raw messages%(dry)s.")
            % {"count": len(ids), "dry": _(" (dry run: nothing is stored)") if dry_run else ""}
        )
        nominations, numbers, kept, not_lined_up, no_raw_text = 0, dict.fromkeys(MASKED_TEXT_FIELDS, 0), 0, 0, 0
        for nomination_id in ids:
            outcome = restore_numbers_from_raw(nomination_id=nomination_id, dry_run=dry_run)
            nominations += bool(outcome.restored)
            for field, count in outcome.restored.items():
                numbers[field] += count
            kept += len(outcome.kept_for_editors)
            not_lined_up += len(outcome.not_lined_up)
            no_raw_text += outcome.no_raw_text
        fields = "，".join(f"{_(FIELD_LABELS[field])} {count}" for field, count in numbers.items() if count)
        self.stdout.write(
            (
                _("Would put back %(numbers)d numbers in %(nominations)d nominations (%(fields)s).")
                if dry_run
                else _("Put back %(numbers)d numbers in %(nominations)d nominations (%(fields)s).")
            )
            % {"numbers": sum(numbers.values()), "nominations": nominations, "fields": fields or "-"}
        )
        self.stdout.write(_("Fields left as they are, written or corrected by an editor: %(count)d.") % {"count": kept})
        self.stdout.write(
            _("Fields left as they are, differing from the raw message in more than masked digits: %(count)d.")
            % {"count": not_lined_up}
        )
        self.stdout.write(_("Nominations whose raw message gives no text to compare with: %(count)d.") % {"count": no_raw_text})
