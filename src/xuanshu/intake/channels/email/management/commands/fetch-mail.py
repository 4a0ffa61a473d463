from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from xuanshu.intake.channels.email.imap import fetch_mailboxes
from xuanshu.intake.channels.email.models import Mailbox


class Command(BaseCommand):
    help = "Poll the campaign mailboxes over IMAP now (the worker also polls them every few minutes)."

    def add_arguments(self, parser):
        parser.add_argument("--mailbox", metavar="SLUG", help="Only this mailbox (even if inactive)")

    def handle(self, *args, mailbox=None, **options):
        if mailbox and not Mailbox.objects.filter(slug=mailbox).exists():
            raise CommandError(_("No mailbox with the slug %(slug)s.") % {"slug": mailbox})
        results = fetch_mailboxes(slug=mailbox)
        if not results:
            self.stdout.write(_("No active mailbox to poll; add one with: python -m xuanshu mailbox set"))
        failures = 0
        for box, outcome, error in results:
            if outcome is None:
                failures += 1
                self.stderr.write(_("%(mailbox)s: failed: %(error)s") % {"mailbox": box.slug, "error": error})
                continue
            line = _("%(mailbox)s: %(stored)d new, %(duplicates)d duplicates, last UID %(uid)d") % {
                "mailbox": box.slug, "stored": outcome.stored, "duplicates": outcome.duplicates, "uid": box.last_uid,
            }
            if outcome.resynced:
                line += " " + _("(UIDVALIDITY changed: folder read again from the start)")
            self.stdout.write(line)
        if failures:
            raise CommandError(ngettext("%(count)d mailbox could not be polled.", "%(count)d mailboxes could not be polled.",
                                        failures) % {"count": failures})
