"""A bank card or resident ID written in groups (6222 0212 3456 7890, 371502 19850101 123X) is not taken in part for a
phone number when a nomination's text is stored: it is stored whole, like the same number run together, and masked
wherever the text is shown until a logged reveal. The raw message keeps the text as typed."""
import pytest
from django.urls import reverse

from tests.public.test_nomination_form import nominate_url, valid_post
from xuanshu.core.redaction import redact_contacts_for_storage, redact_personal_data
from xuanshu.intake.enums import Channel
from xuanshu.nominations.extraction import draft_from_text
from xuanshu.nominations.models import Nomination
from xuanshu.nominations.services import update_nomination_fields

CARD, ID_NUMBER, PHONE = "6222 0212 3456 7890", "371502 19850101 123X", "13812345678"
DEEDS = f"她为婆婆治病四处借钱，捐款请打到 {CARD}。婆婆身份证 {ID_NUMBER}，{PHONE}是她儿子的电话。"
STORED = f"她为婆婆治病四处借钱，捐款请打到 {CARD}。婆婆身份证 {ID_NUMBER}，138****5678是她儿子的电话。"
SHOWN = "她为婆婆治病四处借钱，捐款请打到 6222 **** **** 7890。婆婆身份证 3715** ******** 123X，138****5678是她儿子的电话。"


@pytest.mark.parametrize(("typed", "stored"), [
    ("捐款卡 6222 0212 3456 7890", "捐款卡 6222 0212 3456 7890"),
    ("捐款卡 6222-0212-3456-7890-123，电话 0635-8451234", "捐款卡 6222-0212-3456-7890-123，电话 0635-***1234"),
    ("卡号６２２２　０２１２　３４５６　７８９０，手机１３８１２３４５６７８", "卡号６２２２　０２１２　３４５６　７８９０，手机１３８****５６７８"),
    # A resident ID right next to a phone number: each read as what it is.
    ("身份证371502198501011234,13812345678", "身份证371502198501011234,138****5678"),
    ("身份证 371502 19850101 123X 13812345678", "身份证 371502 19850101 123X 138****5678"),
    ("老身份证 371502850101123，电话8451234", "老身份证 371502850101123，电话***1234"),
    # A QQ number of a local number's length, as the console's comment on stored text promises: kept for the display.
    ("QQ号：12345678，电话8451234", "QQ号：12345678，电话***1234"),
    ("QQ：1234567", "QQ：1234567"),
    ("qq号 87654321", "qq号 87654321"),
    ("扣扣 12345678", "扣扣 12345678"),
    ("ＱＱ号码：８７６５４３２１", "ＱＱ号码：８７６５４３２１"),
    # Without a QQ label, a number of that length is a local phone number.
    ("电话 12345678，号码 1234567", "电话 ****5678，号码 ***4567"),
    # Not a card, an ID or a QQ number: still masked as phone numbers, as before.
    ("电话 0635 845 1234 或 138 1234 5678", "电话 0635 *** 1234 或 138 **** 5678"),
])
def test_storage_keeps_cards_and_ids_whole_and_masks_the_phones(typed, stored):
    assert redact_contacts_for_storage(typed) == stored


def test_what_storage_keeps_whole_the_display_masks():
    assert redact_contacts_for_storage(DEEDS) == STORED
    assert redact_personal_data(STORED) == SHOWN


@pytest.mark.parametrize(("stored", "shown"), [
    ("QQ：1234567", "QQ：1*****7"),
    ("qq号 87654321", "qq号 8******1"),
    ("扣扣 12345678", "扣扣 1******8"),
])
def test_a_qq_number_of_a_local_numbers_length_stored_whole_is_shown_masked_as_a_qq_number(stored, shown):
    assert (redact_contacts_for_storage(stored), redact_personal_data(stored)) == (stored, shown)


def test_the_admins_title_of_a_nomination_masks_a_card_stored_whole_as_a_card():
    nomination = Nomination(reference="CCLC2024-000001", nominee_name=f"卡号{CARD}，{PHONE}")
    assert str(nomination) == "CCLC2024-000001 卡号6222 **** **** 7890，138****5678"


def test_a_number_the_display_spares_as_a_machine_id_is_masked_as_a_phone_in_storage():
    # Shown as it is stored, so it must not be stored whole: the phone masking applies as it always did.
    assert redact_contacts_for_storage("<MsgId>2460 0212 3456 7890</MsgId>") == "<MsgId>2460 021* **** 7890</MsgId>"


@pytest.fixture
def webform_nomination(client, campaign, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(nominate_url(campaign), valid_post(deeds=DEEDS, place_detail=f"博平镇，卡号 {CARD}"))
    assert response.status_code == 302
    return Nomination.objects.get(channel=Channel.WEBFORM)


def test_a_web_form_nomination_stores_them_whole_and_the_raw_post_as_typed(webform_nomination):
    assert (webform_nomination.deeds, webform_nomination.place_detail) == (STORED, f"博平镇，卡号 {CARD}")
    assert (webform_nomination.inbound.payload["fields"]["deeds"], webform_nomination.nominator_phone) == (
        DEEDS, "+8613812345678")


def test_the_console_shows_them_masked_and_the_logged_reveal_whole(client, editor, webform_nomination):
    client.force_login(editor)
    page = client.get(reverse("console:nomination", args=[webform_nomination.reference])).content.decode()
    assert (SHOWN in page, CARD in page, ID_NUMBER in page, "021*" in page) == (True, False, False, False)
    revealed = client.post(reverse("console:nomination_contact", args=[webform_nomination.reference]))
    assert revealed.context["edit_form"]["deeds"].value() == STORED


def test_an_edit_keeps_a_card_typed_in_groups(webform_nomination, editor):
    edited = update_nomination_fields(nomination=webform_nomination, actor=editor,
                                      changes={"deeds": f"{DEEDS}又及：新卡 6217 0000 1111 2222，电话{PHONE}"})
    assert edited.deeds == f"{STORED}又及：新卡 6217 0000 1111 2222，电话138****5678"


def test_a_free_text_draft_keeps_them_whole(campaign):
    assert draft_from_text(text=DEEDS, campaign=campaign).deeds == STORED
