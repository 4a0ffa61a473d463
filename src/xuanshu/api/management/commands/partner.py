from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from xuanshu.api.selectors import partners_for_listing
from xuanshu.api.services import add_partner, revoke_partner
from xuanshu.campaigns.models import Campaign
from xuanshu.core.errors import DomainError


class Command(BaseCommand):
    help = "Partner API credentials: `partner add NAME`, `partner list`, `partner revoke NAME`."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="Issue a key and a signing secret (the secret is printed once, here only)")
        add.add_argument("name", help="2 to 50 lower-case letters, digits, - or _, e.g. qilu-yidian")
        add.add_argument("--campaign", metavar="SLUG", help="Bind the key to this campaign (tips may then omit it)")
        add.add_argument("--rate-limit", type=int, metavar="N", help="Requests per minute (default 120)")
        sub.add_parser("list", help="List partners; secrets are never shown again")
        revoke = sub.add_parser("revoke", help="Refuse the partner's key from now on")
        revoke.add_argument("name")

    def handle(self, *args, action, **options):
        try:
            getattr(self, f"_{action}")(**options)
        except DomainError as error:
            raise CommandError(error.message) from None

    def _add(self, *, name, campaign, rate_limit, **_):
        bound = None
        if campaign:
            bound = Campaign.objects.filter(slug=campaign).first()
            if bound is None:
                raise CommandError(f"no campaign {campaign!r}; see `python -m xuanshu campaign list`")
        if rate_limit is not None and rate_limit < 1:
            raise CommandError("--rate-limit must be at least 1")
        issued = add_partner(name=name, campaign=bound, rate_limit_per_minute=rate_limit)
        self.stdout.write(self.style.SUCCESS(f"added partner {name}"))
        self.stdout.write(f"key:    {issued.key}")
        self.stdout.write(f"secret: {issued.secret}")
        self.stdout.write("Give both to the partner over a safe channel. The secret is shown only now; "
                          "if it is lost, revoke this partner and add it again.")

    def _list(self, **_):
        for partner in partners_for_listing():
            state = "active" if partner.is_active else f"revoked {timezone.localtime(partner.revoked_at):%Y-%m-%d %H:%M}"
            campaign = partner.campaign.slug if partner.campaign else "-"
            added = timezone.localtime(partner.created_at)
            self.stdout.write(f"{partner.name}\t{partner.key}\t{campaign}\t{partner.rate_limit_per_minute}/min\t"
                              f"added {added:%Y-%m-%d %H:%M}\t{state}")

    def _revoke(self, *, name, **_):
        partner = revoke_partner(name=name)
        self.stdout.write(self.style.SUCCESS(f"revoked partner {partner.name} (key {partner.key})"))
