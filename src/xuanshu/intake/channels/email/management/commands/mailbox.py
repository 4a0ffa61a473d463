from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from xuanshu.campaigns.models import Campaign
from xuanshu.core.errors import DomainError
from xuanshu.intake.channels.email.models import Mailbox
from xuanshu.intake.channels.email.services import MailboxSettings, configure_mailbox


class Command(BaseCommand):
    help = "Campaign mailboxes polled over IMAP: `mailbox set --slug ... --host ... --user ... --password-env NAME --campaign SLUG`, `mailbox list`."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        set_ = sub.add_parser("set", help="Create or update a mailbox (the password is read from an environment variable, never stored)")
        set_.add_argument("--slug", required=True)
        set_.add_argument("--host", help="IMAP server, e.g. imap.163.com")
        set_.add_argument("--port", type=int, help="IMAP port (993 for IMAP over TLS)")
        set_.add_argument("--ssl", dest="use_ssl", action="store_true", default=None, help="IMAP over TLS (the default for a new mailbox)")
        set_.add_argument("--no-ssl", dest="use_ssl", action="store_false", help="Plain IMAP (only for a server on this machine)")
        set_.add_argument("--user", dest="username", help="Login name, e.g. qlwblc@163.com")
        set_.add_argument("--password-env", help="Environment variable holding the password (for NetEase: the authorisation code)")
        set_.add_argument("--folder", help="Folder to poll (default INBOX)")
        set_.add_argument("--campaign", help="Slug of the campaign the mail belongs to")
        set_.add_argument("--active", dest="is_active", action="store_true", default=None)
        set_.add_argument("--inactive", dest="is_active", action="store_false", help="Stop polling this mailbox")
        sub.add_parser("list", help="List mailboxes and their sync state")

    def handle(self, *args, action, **options):
        if action == "list":
            return self._list()
        campaign = None
        if options["campaign"]:
            campaign = Campaign.objects.filter(slug=options["campaign"]).first()
            if campaign is None:
                raise CommandError(_("No campaign with the slug %(slug)s.") % {"slug": options["campaign"]})
        changes = MailboxSettings(
            host=options["host"], port=options["port"], use_ssl=options["use_ssl"], username=options["username"],
            password_env=options["password_env"], folder=options["folder"], campaign=campaign, is_active=options["is_active"],
        )
        try:
            mailbox, created = configure_mailbox(slug=options["slug"], changes=changes)
        except DomainError as error:
            raise CommandError(error.message) from None
        message = _("Created mailbox %(mailbox)s.") if created else _("Updated mailbox %(mailbox)s.")
        self.stdout.write(self.style.SUCCESS(message % {"mailbox": mailbox}))
        if mailbox.password() is None:
            self.stdout.write(self.style.WARNING(
                _("The environment variable %(name)s is not set here: set it wherever fetch-mail and the worker run.")
                % {"name": mailbox.password_env}))

    def _list(self):
        for mailbox in Mailbox.objects.select_related("campaign"):
            state = "active" if mailbox.is_active else "inactive"
            polled = f"{mailbox.last_polled_at:%Y-%m-%d %H:%M}" if mailbox.last_polled_at else "-"
            self.stdout.write("\t".join([
                mailbox.slug, mailbox.campaign.slug, f"{mailbox.username} {mailbox.host}:{mailbox.port}/{mailbox.folder}",
                state, f"uidvalidity={mailbox.uidvalidity or '-'}", f"last_uid={mailbox.last_uid}", f"polled={polled}",
                mailbox.last_error.splitlines()[0] if mailbox.last_error else "",
            ]).rstrip())
