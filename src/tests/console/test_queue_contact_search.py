"""Queue search by the nominator's phone number or e-mail, as a caller gives it, for staff who may see contacts."""

import pytest
from django.urls import reverse

QUEUE = reverse("console:queue")


def found(client, term: str) -> list[str]:
    response = client.get(QUEUE, {"q": term})
    assert response.status_code == 200
    return [nomination.reference for nomination in response.context["page"].object_list]


@pytest.fixture
def rows(nominate):
    mobile = nominate(nominator_phone="+8613812341234", nominator_email="liming@example.com")
    landline = nominate(nominator_phone="+866358451234", nominator_email="")
    other = nominate(nominator_phone="+8613900001111", nominator_email="wang@example.com")
    return {"mobile": mobile.reference, "landline": landline.reference, "other": other.reference}


def test_a_phone_number_as_a_caller_reads_it_finds_the_nomination(editor_client, rows):
    cases = {
        "13812341234": [rows["mobile"]],
        "138 1234 1234": [rows["mobile"]],
        "138-1234-1234": [rows["mobile"]],
        "+86 138 1234 1234": [rows["mobile"]],
        "１３８１２３４１２３４": [rows["mobile"]],  # typed with a Chinese input method's full-width digits
        "0635-8451234": [rows["landline"]],
        "（0635）8451234": [rows["landline"]],
        "13812349999": [],  # a number no nominator gave
    }
    assert {term: found(editor_client, term) for term in cases} == cases


def test_an_e_mail_address_finds_the_nomination_in_any_case(editor_client, rows):
    cases = {"liming@example.com": [rows["mobile"]], "LiMing@Example.COM": [rows["mobile"]], "li@example.com": []}
    assert {term: found(editor_client, term) for term in cases} == cases


def test_the_number_of_a_reference_is_still_read_as_one(editor_client, rows):
    number = rows["other"].rsplit("-", 1)[1]
    assert found(editor_client, number) == [rows["other"]]
    assert found(editor_client, number.lstrip("0")) == [rows["other"]]


def test_staff_who_may_not_see_contacts_cannot_search_by_them(viewer_client, rows):
    """A viewer could otherwise learn who nominated by trying numbers: the phone and e-mail are not searched."""
    assert {term: found(viewer_client, term) for term in ("13812341234", "liming@example.com")} == {
        "13812341234": [],
        "liming@example.com": [],
    }


def test_the_search_help_says_what_it_searches(client, editor, viewer):
    client.force_login(viewer)
    viewer_help = client.get(QUEUE).context["form"].fields["q"].help_text
    client.force_login(editor)
    editor_help = client.get(QUEUE).context["form"].fields["q"].help_text
    assert (str(viewer_help), str(editor_help)) == (
        "Reference number, nominee, nominator or place",
        "Reference number, nominee, nominator, place, or the nominator's phone or e-mail",
    )


def test_the_export_keeps_the_rows_a_phone_search_shows(editor_client, rows):
    response = editor_client.get(reverse("console:export"), {"q": "138 1234 1234", "format": "csv"})
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == [rows["mobile"]]
