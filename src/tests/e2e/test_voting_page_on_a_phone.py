"""The voting pages in Chromium on a phone: the number field's size (no zoom on focus), photos cropped from the
top, a double tap sending one ballot, an empty ballot stopped in the page, and no message left in the address;
a ballot that locks what cannot be voted for any more today and says so, a page restored by the back button fetched
anew, and a code typed in full-width digits."""
import pytest

from tests.voting.conftest import candidates, make_voter, open_campaign  # noqa: F401  (the voting fixtures)
from xuanshu.voting import identity
from xuanshu.voting.models import LedgerEntry
from xuanshu.voting.sms.dev import last_code_for

# The vote's reply has been shown and the button is no longer busy sending it.
SETTLED = "() => document.getElementById('vote-submit').getAttribute('aria-busy') === 'false'"

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _signed_in(page, live_server, campaign, voter) -> None:
    token = identity.issue_voter_token(campaign.pk, *voter)
    page.context.add_cookies([{"name": identity.VOTER_COOKIE, "value": token, "url": live_server.url}])


def test_the_number_field_is_large_enough_not_to_zoom_and_photos_keep_the_top(live_server, open_campaign, candidates,  # noqa: F811
                                                                               phone_page):
    page = phone_page
    page.goto(f"{live_server.url}/c/{open_campaign.slug}/candidates/")
    field = page.evaluate("""() => { const s = getComputedStyle(document.getElementById('otp-phone'));
                                     return [parseFloat(s.fontSize), document.getElementById('otp-phone').offsetWidth]; }""")
    assert field[0] >= 16 and field[1] >= 300  # iOS zooms in on a field under 16px; a phone-wide field
    position = page.evaluate("""() => { const li = document.querySelector('li.candidate'), img = document.createElement('img');
                                        img.className = 'photo'; li.appendChild(img);
                                        return getComputedStyle(img).objectPosition; }""")
    assert position == "50% 0%"


def test_a_double_tap_sends_one_ballot_and_an_empty_one_is_stopped_in_the_page(live_server, open_campaign, candidates,  # noqa: F811
                                                                                make_voter, phone_page):  # noqa: F811
    page = phone_page
    _signed_in(page, live_server, open_campaign, make_voter())
    gallery = f"{live_server.url}/c/{open_campaign.slug}/candidates/"
    page.goto(f"{gallery}?m=accepted")
    assert (page.url, page.inner_text("#vote-message")) == (gallery, "")  # an old shared link: no message, none kept

    page.click("#vote-submit")  # nothing ticked
    assert (page.inner_text("#vote-message"), LedgerEntry.objects.count()) == ("请至少选择一位候选人。", 0)

    page.check(f"li[data-candidate='{candidates[0].pk}'] input[type=checkbox]")
    page.dblclick("#vote-submit")
    page.wait_for_function("() => document.querySelector('[data-remaining]').textContent === '4'")
    page.wait_for_function("() => !document.getElementById('vote-submit').disabled")
    assert (page.get_attribute("#vote-message", "data-status"), page.inner_text("#vote-message")) == (
        "accepted", "感谢您的投票，已计入票数。")
    assert list(LedgerEntry.objects.values_list("decision", "reason")) == [("accepted", "")]


def _enabled_boxes(page) -> list[str]:
    return page.eval_on_selector_all("li.candidate input[type=checkbox]:enabled", "boxes => boxes.map(b => b.value)")


def test_the_ballot_locks_candidates_voted_for_and_everything_once_no_votes_are_left(
        live_server, open_campaign, candidates, make_voter, phone_page):  # noqa: F811
    page = phone_page
    _signed_in(page, live_server, open_campaign, make_voter())
    page.goto(f"{live_server.url}/c/{open_campaign.slug}/candidates/")
    page.check(f"li[data-candidate='{candidates[0].pk}'] input[type=checkbox]")
    page.click("#vote-submit")
    page.wait_for_function("() => document.querySelector('[data-remaining]').textContent === '4'")
    page.wait_for_function(SETTLED)
    assert (_enabled_boxes(page), page.is_disabled("#vote-submit")) == ([str(c.pk) for c in candidates[1:]], False)
    # The card voted for says so, as it does once the page is loaded again.
    assert page.inner_text(f"li[data-candidate='{candidates[0].pk}'] p.muted") == "今日已投"

    for candidate in candidates[1:5]:
        page.check(f"li[data-candidate='{candidate.pk}'] input[type=checkbox]")
    page.click("#vote-submit")
    page.wait_for_function("() => document.querySelector('[data-remaining]').textContent === '0'")
    page.wait_for_function(SETTLED)
    assert (_enabled_boxes(page), page.is_disabled("#vote-submit")) == ([], True)
    page.reload()
    assert (_enabled_boxes(page), page.is_disabled("#vote-submit")) == ([], True)
    assert LedgerEntry.objects.count() == 5


def test_a_profile_says_voted_today_in_place_of_its_button_once_its_candidate_is_voted_for(
        live_server, open_campaign, candidates, make_voter, phone_page):  # noqa: F811
    page = phone_page
    _signed_in(page, live_server, open_campaign, make_voter())
    page.goto(f"{live_server.url}/c/{open_campaign.slug}/candidates/{candidates[2].number}/")
    page.click("#vote-submit")
    page.wait_for_function("() => document.querySelector('[data-remaining]').textContent === '4'")
    page.wait_for_selector("#vote-submit", state="detached")
    after_the_vote = page.inner_text("#ballot")
    page.reload()  # as the page draws it
    assert (after_the_vote, page.inner_text("#ballot"), page.query_selector("#vote-submit")) == ("今日已投", "今日已投", None)


def test_a_page_restored_by_the_back_button_is_fetched_anew(live_server, open_campaign, candidates, phone_page):  # noqa: F811
    page = phone_page
    page.goto(f"{live_server.url}/c/{open_campaign.slug}/candidates/")
    page.evaluate("() => { window.keptFromBefore = true; }")
    # What the browser fires when it shows the page from its back-forward cache.
    with page.expect_navigation(timeout=5000):
        page.evaluate("() => window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}))")
    assert page.evaluate("() => window.keptFromBefore === undefined") is True


def test_a_code_typed_in_full_width_digits_verifies(live_server, open_campaign, candidates, phone_page):  # noqa: F811
    page = phone_page
    page.goto(f"{live_server.url}/c/{open_campaign.slug}/candidates/")
    page.fill("#otp-phone", "13906351234")
    page.click(".sms-form button[type=submit]")
    page.wait_for_selector("#otp-code")
    code = last_code_for("+8613906351234")
    page.fill("#otp-code", "".join(chr(ord(digit) - ord("0") + ord("０")) for digit in code))
    page.click(".sms-form button[type=submit]")
    page.wait_for_selector("#remaining")
    assert page.inner_text("[data-remaining]") == "5"
