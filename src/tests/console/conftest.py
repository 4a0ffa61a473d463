"""Console fixtures: signed-in clients by role, a second campaign, and nominations with a chosen time and channel."""
import pytest
from django.contrib.auth.models import Group, Permission, User

from tests.conftest import SEED_CAMPAIGN_FILE
from xuanshu.campaigns.loader import parse_campaign
from xuanshu.campaigns.selectors import forget_campaign_choices
from xuanshu.campaigns.services import load_campaign


@pytest.fixture(autouse=True)
def english(client):
    """Pages in English (the msgids), so assertions do not depend on the zh-hans catalogue."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def viewer_client(client, viewer):
    client.force_login(viewer)
    return client


@pytest.fixture
def second_editor(db):
    """Another editor, for two people working on one nomination at once."""
    user = User.objects.create_user(username="editor2", password="editor2-pass-123", is_staff=True)
    user.groups.add(Group.objects.get(name="editor"))
    return User.objects.get(pk=user.pk)


@pytest.fixture
def exporter(db):
    """Staff who may view and export nominations but not reveal contacts."""
    user = User.objects.create_user(username="exporter1", password="exporter1-pass-123", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(
        content_type__app_label="nominations", codename__in=["view_nomination", "export_nomination"],
    ))
    return User.objects.get(pk=user.pk)


@pytest.fixture
def other_campaign(db):
    """A second campaign from the seed file under another slug and reference prefix."""
    text = SEED_CAMPAIGN_FILE.read_text(encoding="utf-8")
    text = text.replace('slug = "chucai-liaocheng-2024"', 'slug = "other-2025"')
    text = text.replace('reference_prefix = "CCLC2024"', 'reference_prefix = "OTHER2025"')
    return load_campaign(spec=parse_campaign(text, "other.toml"), source_text=text, rehearsal=True).campaign


@pytest.fixture
def nominate(make_nomination):
    """Create a nomination through the raw inbound store, with its campaign, channel, time and demo flag chosen."""
    return make_nomination


@pytest.fixture(autouse=True)
def fresh_campaign_choices():
    """The cached campaign list outlives a test's rolled-back campaigns: start each test without it."""
    forget_campaign_choices()
    yield
    forget_campaign_choices()
