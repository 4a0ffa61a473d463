from django.core.management.base import BaseCommand, CommandError

from xuanshu.core.errors import DomainError
from xuanshu.intake.channels.wechat.models import WechatAccount
from xuanshu.intake.channels.wechat.services import set_wechat_account


class Command(BaseCommand):
    help = "WeChat official accounts: `wechat-account set --slug S --token T --appid A [...]`, `wechat-account list`."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        setter = sub.add_parser("set", help="Create or update an account (idempotent); options left out keep their value")
        setter.add_argument("--slug", required=True, help="Name in the callback URL /intake/wechat/<slug>/")
        setter.add_argument("--token", help="The Token entered on the WeChat platform")
        setter.add_argument("--aes-key", dest="encoding_aes_key", help="EncodingAESKey (compatible and safe mode); '' for plaintext mode")
        setter.add_argument("--appid", help="The account's AppID (wx…)")
        setter.add_argument("--secret-env", help="Name of the environment variable holding the AppSecret (never the secret)")
        setter.add_argument("--max-skew", dest="max_skew_seconds", type=int, help="Timestamp window in seconds (default 300; 0 = off)")
        setter.add_argument("--follow-up-minutes", type=int, help="How long after a nomination photos and voice are added to it (default 30)")
        setter.add_argument("--campaign", dest="campaign_slug", help="Slug of the campaign this account collects for; '' for none")
        sub.add_parser("list", help="List accounts (without their token or keys)")

    def handle(self, *args, action, **options):
        if action == "list":
            for account in WechatAccount.objects.select_related("campaign"):
                mode = "aes" if account.encoding_aes_key else "plaintext"
                secret = f"${account.secret_env} {'set' if account.app_secret else 'NOT SET'}" if account.secret_env else "no AppSecret"
                campaign = account.campaign.slug if account.campaign else "-"
                self.stdout.write(f"{account.slug}\t{account.appid}\t{mode}\t{campaign}\t{secret}\t"
                                  f"skew {account.max_skew_seconds}s\tfollow-up {account.follow_up_minutes}min")
            return
        fields = ["token", "encoding_aes_key", "appid", "secret_env", "max_skew_seconds", "follow_up_minutes", "campaign_slug"]
        try:
            change = set_wechat_account(slug=options["slug"], **{name: options[name] for name in fields})
        except DomainError as error:
            raise CommandError(error.message) from None
        account = change.account
        if change.created:
            self.stdout.write(self.style.SUCCESS(f"created WeChat account {account.slug}: callback /intake/wechat/{account.slug}/"))
        elif change.changed:
            self.stdout.write(self.style.SUCCESS(f"updated WeChat account {account.slug}: {', '.join(sorted(change.changed))}"))
        else:
            self.stdout.write(f"WeChat account {account.slug} unchanged")
        if account.secret_env and not account.app_secret:
            self.stdout.write(self.style.WARNING(
                f"${account.secret_env} is not set in this environment: photos are fetched only where it is set."
            ))
