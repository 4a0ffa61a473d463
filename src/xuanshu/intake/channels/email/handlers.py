"""Reactions of the e-mail channel to domain signals."""
from xuanshu.intake.enums import Channel


def acknowledge_email_nomination(sender, *, nomination, inbound, **kwargs) -> None:
    """A nomination that came by e-mail gets its reference number back by e-mail (the signal is sent after commit)."""
    if inbound.channel != Channel.EMAIL:
        return
    from xuanshu.intake.channels.email.tasks import send_acknowledgement_task

    send_acknowledgement_task(inbound.pk)


def acknowledge_held_email_nomination(sender, *, inbound, tip, **kwargs) -> None:
    """An e-mailed nomination kept as a tip (nominations closed or not yet open) is told so by e-mail (after commit)."""
    if inbound.channel != Channel.EMAIL:
        return
    from xuanshu.intake.channels.email.tasks import send_acknowledgement_task

    send_acknowledgement_task(inbound.pk)
