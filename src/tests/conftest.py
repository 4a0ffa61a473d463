"""Shared fixtures: the seed campaign loaded from its real file, staff users by role, nominations."""
import itertools
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache

from xuanshu.campaigns.loader import parse_campaign
from xuanshu.campaigns.services import load_campaign
from xuanshu.intake.enums import Channel, InboundStatus
from xuanshu.intake.services import receive_inbound, set_inbound_status
from xuanshu.nominations.models import Nomination
from xuanshu.nominations.services import NominationDraft, create_nomination_from_draft

REPO_ROOT = Path(__file__).resolve().parents[2]
SEED_CAMPAIGN_FILE = REPO_ROOT / "campaigns" / "chucai-liaocheng-2024.toml"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (in memory under the test settings): rows roll back between tests and
    their ids come round again, so a value cached by one test could answer another's."""
    cache.clear()


def pytest_report_header(config):
    from django.conf import settings

    database = settings.DATABASES["default"]
    return f"database: {database['ENGINE'].rsplit('.', 1)[-1]} {database.get('HOST') or ''} {database['NAME']}"


@pytest.fixture
def campaign(db):
    """The seed campaign in rehearsal mode, so its nomination stage is open today."""
    text = SEED_CAMPAIGN_FILE.read_text(encoding="utf-8")
    return load_campaign(spec=parse_campaign(text, str(SEED_CAMPAIGN_FILE)), source_text=text, rehearsal=True).campaign


def _user(username: str, role: str) -> User:
    user = User.objects.create_user(username=username, password=f"{username}-pass-123", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return User.objects.get(pk=user.pk)  # fresh instance: no cached permissions


@pytest.fixture
def editor(db):
    return _user("editor1", "editor")


@pytest.fixture
def viewer(db):
    return _user("viewer1", "viewer")


@pytest.fixture
def admin_user(db):
    return _user("admin1", "admin")


_counter = itertools.count(1)


@pytest.fixture
def make_nomination(campaign):
    """Create a nomination the way a channel does: raw inbound first, then interpretation."""

    def make(*, in_campaign=None, channel=Channel.WEBFORM, received_at=None, is_demo=False, **overrides) -> Nomination:
        n = next(_counter)
        fields = {
            "nominee_name": "张桂芳",
            "nominee_kind": "individual",
            "category_code": "good-conduct",
            "area_code": "dongchangfu",
            "place_detail": "古楼街道",
            "deeds": "二十年如一日照顾瘫痪在床的婆婆，还常年义务为社区老人理发，街坊邻居有口皆碑。",
            "nominator_name": "李明",
            "nominator_phone": "+8613812341234",
            "nominator_email": "liming@example.com",
        }
        fields.update(overrides)
        receipt = receive_inbound(
            channel=channel, external_id=f"test-{n}", campaign=in_campaign or campaign, sender="127.0.0.1",
            payload={"fixture": True, **fields}, received_at=received_at, is_demo=is_demo, enqueue_processing=False,
        )
        nomination = create_nomination_from_draft(inbound=receipt.inbound, draft=NominationDraft(**fields))
        set_inbound_status(inbound=receipt.inbound, status=InboundStatus.PROCESSED)
        return nomination

    return make
