"""The pipeline's hook: every new nomination is screened, and a free-text one keeps its extraction."""
import logging

logger = logging.getLogger("xuanshu.extraction")


def on_nomination_created(sender, nomination, inbound=None, source_text="", **kwargs) -> None:
    """Enqueue the analysis (runs at once unless a task worker is configured).

    Runs after the nomination's transaction has committed, so a failure here must not reach the channel:
    the nomination is already stored and acknowledged; it is logged and the editors still see the message.
    """
    from xuanshu.nominations.extraction.tasks import analyse_nomination_task

    try:
        # Structured channels (web form, hotline) have no message text beyond the deeds: the extractor reads
        # those, so editors still see its evidence beside the fields the citizen or operator gave.
        analyse_nomination_task(nomination.pk, source_text or nomination.deeds)
    except Exception:  # noqa: BLE001 - see docstring
        logger.exception("analysing nomination %s failed", nomination.pk)


def on_nomination_edited(sender, nomination, fields=(), **kwargs) -> None:
    """Screen again when a correction (an editor's, or follow-up text read in) changed a public field, so the stored
    flag follows the text."""
    from xuanshu.nominations.extraction.services import PUBLIC_FIELDS, screen_nomination

    if set(fields) & set(PUBLIC_FIELDS):
        try:
            screen_nomination(nomination=nomination)
        except Exception:  # noqa: BLE001 - the correction is committed; the live check still guards public pages
            logger.exception("screening nomination %s again failed", nomination.pk)
