"""What the machine read out of a nomination, kept beside it: the extraction (for evidence highlights and
labelled examples) and the sensitive-content screening (for editors, before anything is shown publicly)."""
from django.db import models


class Extraction(models.Model):
    """The extractor's reading of a free-text nomination, as it was when the nomination arrived.

    `result` is the JSON of `python -m xuanshu extract`; its spans are offsets into `text`, the message
    as the channel read it (the deeds may later be edited, so the text is kept here). A nomination sent in several
    messages is read whole: `text` is then the opening message and the text of its follow-ups in the order sent
    (services.absorb_follow_ups), and `opening_text` the opening message alone, from which that is rebuilt.
    """

    nomination = models.OneToOneField("nominations.Nomination", on_delete=models.CASCADE, related_name="extraction")
    text = models.TextField()
    opening_text = models.TextField(blank=True, default="", help_text="The message that opened the nomination, as its channel read it")
    result = models.JSONField()
    version = models.CharField(max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"extraction of {self.nomination_id} ({self.version})"


class Screening(models.Model):
    """Words from the sensitive-word list found in a nomination's public text when it arrived."""

    nomination = models.OneToOneField("nominations.Nomination", on_delete=models.CASCADE, related_name="screening")
    flagged = models.BooleanField(default=False)
    matches = models.JSONField(default=list, help_text="[{word, category, field, start, end}]")
    word_list = models.CharField(max_length=64, help_text="SHA-256 of the word list used")
    screened_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["flagged"], name="screening_flagged", condition=models.Q(flagged=True))]

    def __str__(self) -> str:
        return f"screening of {self.nomination_id}: {'flagged' if self.flagged else 'clear'}"
