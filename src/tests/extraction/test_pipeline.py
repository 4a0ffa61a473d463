"""Extraction in the pipeline: `draft_from_text` (what every free-text channel calls) returns the real
reading, and the nomination_created hook keeps the extraction and the screening beside the nomination."""
import pytest

from xuanshu.nominations.extraction import draft_from_text
from xuanshu.nominations.extraction.models import Extraction, Screening
from xuanshu.nominations.services import NominationDraft

MESSAGE = ("推荐出彩聊城人 推荐冠县清泉街道的刘秀珍，她收养了三个孤儿。推荐人：张红，13853512345")


def test_draft_from_text_keeps_its_old_call_and_now_reads_the_fields():
    assert draft_from_text(text=f"  {MESSAGE}\n") == NominationDraft(
        nominee_name="刘秀珍", nominee_kind="individual", deeds=MESSAGE.replace("13853512345", "138****2345"),
        category_code=None, area_code=None, place_detail="冠县清泉街道", nominator_name="张红",
        nominator_phone="+8613853512345", nominator_email="", source_text=MESSAGE,
    )


def test_the_senders_own_name_and_contacts_win(campaign):
    draft = draft_from_text(text=MESSAGE, sender_name="张红红", sender_phone="0635-8239876", sender_email="zh@example.com",
                            campaign=campaign)
    assert (draft.nominator_name, draft.nominator_phone, draft.nominator_email, draft.category_code, draft.area_code) == (
        "张红红", "+866358239876", "zh@example.com", "good-conduct", "guanxian",
    )


@pytest.mark.django_db
def test_a_free_text_nomination_keeps_its_extraction_and_screening(free_text_nomination):
    nomination = free_text_nomination(MESSAGE)
    extraction = Extraction.objects.get(nomination=nomination)
    screening = Screening.objects.get(nomination=nomination)
    assert (nomination.nominee_name, nomination.place_detail, nomination.nominator_phone) == ("刘秀珍", "冠县清泉街道", "+8613853512345")
    assert (extraction.text, extraction.version, extraction.result["place"]["county"], extraction.result["category"]) == (
        MESSAGE, "rules-6", "guanxian", "good-conduct",
    )
    assert (screening.flagged, screening.matches) == (False, [])


def test_a_form_nomination_is_screened_and_its_deeds_are_read(make_nomination, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        nomination = make_nomination(deeds="他常年在网上宣传赌博，还说自己见义勇为。")
    assert Extraction.objects.get(nomination=nomination).text == "他常年在网上宣传赌博，还说自己见义勇为。"
    assert Screening.objects.get(nomination=nomination).matches == [
        {"word": "赌博", "category": "gambling", "field": "deeds", "start": 8, "end": 10},
    ]


def test_a_failing_analysis_never_fails_the_channel(free_text_nomination, monkeypatch, caplog):
    """The task queue logs the failure; the nomination stays stored and acknowledged."""
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("xuanshu.nominations.extraction.tasks.screen_nomination", broken)
    nomination = free_text_nomination(MESSAGE)
    assert (nomination.nominee_name, Screening.objects.count(), "boom" in caplog.text) == ("刘秀珍", 0, True)
