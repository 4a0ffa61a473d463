import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from xuanshu.intake.channels import describe_inbound
from xuanshu.intake.enums import Channel, InboundStatus
from xuanshu.intake.models import InboundMessage
from xuanshu.intake.services import process_inbound


class Command(BaseCommand):
    help = "Inbound messages: `inbound list [--channel C] [--status S] [--json]`, `inbound reprocess ID|--failed`."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="List inbound messages, newest first")
        listing.add_argument("--channel", choices=Channel.values)
        listing.add_argument("--status", choices=InboundStatus.values)
        listing.add_argument("--limit", type=int, default=50)
        listing.add_argument("--json", action="store_true", help="One JSON object per line")
        again = sub.add_parser("reprocess", help="Run processing again (idempotent)")
        again.add_argument("inbound_id", nargs="?", type=int)
        again.add_argument("--failed", action="store_true", help="Every message whose processing failed")

    def handle(self, *args, action, **options):
        if action == "list":
            self._list(options)
        else:
            self._reprocess(options)

    def _list(self, options):
        # One query: each row is described from its raw record by its channel, without interpreting it.
        messages = InboundMessage.objects.order_by("-received_at", "-id")
        if options["channel"]:
            messages = messages.filter(channel=options["channel"])
        if options["status"]:
            messages = messages.filter(status=options["status"])
        for inbound in messages[: options["limit"]]:
            description = describe_inbound(inbound)
            subject, text = description.subject, description.text
            row = {
                "id": inbound.pk,
                "channel": inbound.channel,
                "external_id": inbound.external_id,
                "sender": inbound.sender,
                "received_at": timezone.localtime(inbound.received_at).isoformat(),
                "status": inbound.status,
                "error": inbound.error,
                "reference": inbound.reference,
                "subject": subject,
                "text": text,
                "attachments": list(description.attachments),
            }
            if options["json"]:
                self.stdout.write(json.dumps(row, ensure_ascii=False))
            else:
                attachments = f" [{len(row['attachments'])} attachment(s)]" if row["attachments"] else ""
                headline = " ".join((subject + " " + text).split())[:80]
                self.stdout.write(
                    f"{row['id']}\t{row['channel']}\t{row['external_id'][:40]}\t{row['sender'][:30]}\t"
                    f"{row['received_at'][:19]}\t{row['status']}\t{headline}{attachments}"
                )

    def _reprocess(self, options):
        if options["failed"] == bool(options["inbound_id"]):
            raise CommandError("give one message id, or --failed")
        # Oldest first, as they arrived: a nomination is read before the photo sent after it, which then joins it.
        ids = (
            list(InboundMessage.objects.filter(status=InboundStatus.FAILED).order_by("received_at", "id").values_list("pk", flat=True))
            if options["failed"]
            else [options["inbound_id"]]
        )
        if not options["failed"] and not InboundMessage.objects.filter(pk=ids[0]).exists():
            raise CommandError(f"no inbound message {ids[0]}")
        counts = {InboundStatus.PROCESSED: 0, InboundStatus.FAILED: 0, InboundStatus.PENDING: 0}
        for inbound_id in ids:
            inbound = process_inbound(inbound_id=inbound_id)
            counts[inbound.status] += 1
            if inbound.status != InboundStatus.PROCESSED:
                self.stderr.write(f"{inbound_id}: {inbound.error}")
        # Pending: waiting for the message that opened its nomination; processed as soon as that one is.
        waiting = f", {counts[InboundStatus.PENDING]} waiting" if counts[InboundStatus.PENDING] else ""
        self.stdout.write(
            f"reprocessed {len(ids)}: {counts[InboundStatus.PROCESSED]} processed, {counts[InboundStatus.FAILED]} failed{waiting}"
        )
