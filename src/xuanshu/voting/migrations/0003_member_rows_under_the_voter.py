"""Member rows of the database path's voter sets move under the voter: `v1:dv:…|<voter>` becomes
`v1:q:<voter>|dv:…` (store_db._member_row), beside the voter's day, so that a ballot's new rows share index
pages. Renamed in one statement, so a vote in progress keeps its device and cluster counts.

Stop every server before migrating: a process still running the earlier code would go on writing rows
under the old names. Ballot nonces recorded under their old name cannot be renamed (the name does not hold
the voter); the vote path consults them while they live (store_db.legacy_dedupe).
"""
from django.db import migrations
from django.db.models import CharField, Value
from django.db.models.functions import Concat, StrIndex, Substr

OLD_MEMBER_ROW = r"^v[0-9]+:(dv|cl):[^|]*\|[^|]+$"
NEW_MEMBER_ROW = r"^v[0-9]+:q:[^|:]+\|(dv|cl):[^|]*$"


def _rename(apps, pattern: str, *, to_new: bool):
    VotingState = apps.get_model("voting", "VotingState")
    colon = StrIndex("name", Value(":"))
    bar = StrIndex("name", Value("|"))
    campaign = Substr("name", 1, colon)  # "v1:"
    if to_new:  # v1:<set>|<voter> -> v1:q:<voter>|<set>
        name = Concat(campaign, Value("q:"), Substr("name", bar + 1), Value("|"),
                      Substr("name", colon + 1, bar - colon - 1), output_field=CharField())
    else:  # v1:q:<voter>|<set> -> v1:<set>|<voter>
        name = Concat(campaign, Substr("name", bar + 1), Value("|"), Substr("name", colon + 3, bar - colon - 3),
                      output_field=CharField())
    VotingState.objects.filter(name__regex=pattern).update(name=name)


def forwards(apps, schema_editor):
    _rename(apps, OLD_MEMBER_ROW, to_new=True)


def backwards(apps, schema_editor):
    _rename(apps, NEW_MEMBER_ROW, to_new=False)


class Migration(migrations.Migration):
    dependencies = [("voting", "0002_voting_rules_thresholds")]
    operations = [migrations.RunPython(forwards, backwards)]
