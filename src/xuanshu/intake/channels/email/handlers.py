"""Reactions of the e-mail channel to domain signals."""
from xuanshu.intake.enums import Channel


def acknowledge_email_nomination(sender, *, nomination, inbound, **kwargs) -> None:
    """A nomination that came by e-mail gets its reference number back by e-mail (the signal is sent after commit)."""
    if inbound.channel != Channel.EMAIL:
        return
    from xuanshu.intake.channels.email.tasks import send_acknowledgement_task

    send_acknowledgement_task(inbound.pk)
