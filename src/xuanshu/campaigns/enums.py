from django.db import models
from django.utils.translation import gettext_lazy as _


class StageKind(models.TextChoices):
    NOMINATION = "nomination", _("Nomination")
    REVIEW = "review", _("Review")
    VOTING = "voting", _("Voting")
    JUDGING = "judging", _("Judging")
    PUBLICITY = "publicity", _("Publicity period")
    ANNOUNCED = "announced", _("Announced")


class NomineeKind(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    GROUP = "group", _("Group")


class AreaKind(models.TextChoices):
    DISTRICT = "district", _("District")
    COUNTY = "county", _("County")
    CITY = "city", _("County-level city")
    ZONE = "zone", _("Functional zone")
    OUTSIDE = "outside", _("Outside the city")
