import os

from django.db import models

from xuanshu.core.models import TimeStampedModel

DEFAULT_MAX_SKEW_SECONDS = 300
DEFAULT_FOLLOW_UP_MINUTES = 30
MAX_SKEW_LIMIT_SECONDS = 86_400
MAX_FOLLOW_UP_MINUTES = 1_440


class WechatAccount(TimeStampedModel):
    """One official account (公众号) whose message server is `/intake/wechat/<slug>/`.

    The AppSecret is never stored: `secret_env` names the environment variable that holds it.
    Written only by `services.set_wechat_account`.
    """

    slug = models.SlugField(max_length=50, unique=True)
    token = models.CharField(max_length=32, help_text="The Token entered on the WeChat platform (3–32 letters or digits)")
    encoding_aes_key = models.CharField(
        max_length=43, blank=True, help_text="EncodingAESKey (43 characters); empty in plaintext mode",
    )
    previous_encoding_aes_key = models.CharField(
        max_length=43, blank=True,
        help_text="The key before the last change: Tencent asks servers to try it when the current one fails",
    )
    appid = models.CharField(max_length=32)
    secret_env = models.CharField(max_length=100, blank=True, help_text="Name of the environment variable holding the AppSecret")
    max_skew_seconds = models.PositiveIntegerField(
        default=DEFAULT_MAX_SKEW_SECONDS, help_text="Refuse callbacks whose timestamp is further off than this; 0 turns the check off",
    )
    follow_up_minutes = models.PositiveIntegerField(
        default=DEFAULT_FOLLOW_UP_MINUTES, help_text="Photos, voice and text sent this long after a nomination are added to it",
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign", null=True, blank=True, on_delete=models.PROTECT, related_name="wechat_accounts",
    )

    class Meta:
        ordering = ["slug"]
        constraints = [
            models.CheckConstraint(condition=models.Q(max_skew_seconds__lte=MAX_SKEW_LIMIT_SECONDS), name="wechat_skew_at_most_a_day"),
            models.CheckConstraint(
                condition=models.Q(follow_up_minutes__gte=1, follow_up_minutes__lte=MAX_FOLLOW_UP_MINUTES),
                name="wechat_follow_up_window_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.slug

    @property
    def app_secret(self) -> str:
        """The AppSecret from the environment, or '' when the variable is unnamed or unset."""
        return os.environ.get(self.secret_env, "").strip() if self.secret_env else ""

    @property
    def aes_keys(self) -> list[str]:
        return [key for key in (self.encoding_aes_key, self.previous_encoding_aes_key) if key]


class MediaFetchClaim(models.Model):
    """Which worker fetches a message's media (photo, voice, video), so that it is fetched once.

    Two workers can be handed the same message: a retried task beside a reprocessed message, or a fetch queued again
    when an undecryptable message is read late. Each takes the claim with one conditional write (the insert, unique per
    message, or an update of a lapsed claim), and only the worker that wrote it fetches. A claim lapses at
    `claimed_until`, so a worker that died mid-fetch does not keep the message from ever being fetched; once the file
    is kept or refused, `done_at` closes it. Written only by `services.claim_media_fetch` and its release and finish.
    """

    inbound = models.OneToOneField("intake.InboundMessage", on_delete=models.CASCADE, related_name="wechat_media_claim")
    token = models.CharField(max_length=32, help_text="The claiming worker's own token: only it releases or closes the claim")
    claimed_until = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"media fetch of inbound {self.inbound_id}"
