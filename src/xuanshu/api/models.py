from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

partner_name_validator = RegexValidator(r"^[a-z0-9][a-z0-9_-]{1,49}$", _("Use 2 to 50 lower-case letters, digits, “-” or “_”, starting with a letter or digit."))


class Partner(models.Model):
    """An app or site that posts tips through the partner API with its own key and signing secret.

    The secret is needed in clear to check HMAC signatures, so it is kept encrypted (Fernet, see
    api/partner_keys.py) rather than hashed, and shown only once, when it is issued.
    """

    name = models.CharField(max_length=50, validators=[partner_name_validator])
    key = models.CharField(max_length=40, unique=True, help_text="Public identifier sent as X-Partner-Key")
    secret_ciphertext = models.TextField(help_text="The signing secret, Fernet-encrypted")
    campaign = models.ForeignKey(
        "campaigns.Campaign", null=True, blank=True, on_delete=models.PROTECT, related_name="api_partners",
        help_text="When set, tips go to this campaign unless they name it; others are refused",
    )
    rate_limit_per_minute = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "-created_at"]
        constraints = [
            # A revoked partner's row stays (its tips name it); the name is free again for a new key.
            models.UniqueConstraint(fields=["name"], condition=models.Q(revoked_at__isnull=True), name="partner_name_unique_while_active"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
