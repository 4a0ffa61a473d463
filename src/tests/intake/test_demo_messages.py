"""Demo data (`seed_demo`) is stored as each channel delivers its input, so that processing it again, as an editor's
重新处理 or `inbound reprocess` does, reads it like any other message and changes nothing."""
import pytest

from xuanshu.intake.models import InboundMessage, ReaderTip
from xuanshu.intake.services import process_inbound
from xuanshu.nominations.demo import seed_demo_nominations
from xuanshu.nominations.models import Nomination


@pytest.mark.django_db
def test_every_demo_message_processes_again_as_it_was(campaign):
    seed_demo_nominations(campaign=campaign, count=40)
    assert set(InboundMessage.objects.values_list("channel", flat=True)) == {"webform", "wechat", "email", "api", "hotline"}
    for inbound in InboundMessage.objects.order_by("pk"):
        process_inbound(inbound_id=inbound.pk)
    failed = list(InboundMessage.objects.exclude(status="processed").values_list("channel", "error"))
    assert failed == []
    assert (Nomination.objects.count(), ReaderTip.objects.count()) == (40, 0)  # nothing read as something else


@pytest.mark.django_db
def test_demo_nominations_carry_the_consent_their_raw_record_gives(campaign):
    """The web form's consent box and the hotline's oral consent are in every demo raw record: the nomination says so,
    as one read from that record would, so a rehearsal's pages and exports show when consent was given."""
    seed_demo_nominations(campaign=campaign, count=40)
    shown = {(n.channel, n.consent_at == n.received_at if n.consent_at else None) for n in Nomination.objects.all()}
    assert shown == {("webform", True), ("hotline", True), ("wechat", None), ("email", None), ("api", None)}
