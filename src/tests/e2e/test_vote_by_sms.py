"""End to end in Chromium: from the campaign page to the candidate gallery, a voter verifies by SMS code (dev
sender), votes within quota, and the ballot locks once no votes are left."""
import os
import re

import pytest
from django.utils import translation

from tests.voting.conftest import candidates, open_campaign  # noqa: F401  (the voting fixtures, used below)
from xuanshu.voting.messages import OTP_MESSAGES, OUTCOME_MESSAGES
from xuanshu.voting.models import LedgerEntry
from xuanshu.voting.sms.dev import last_code_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _zh(message) -> str:
    with translation.override("zh-hans"):
        return str(message)


def test_voter_verifies_by_sms_and_votes_within_quota(live_server, open_campaign, candidates, phone_page, tmp_path):  # noqa: F811
    page = phone_page
    page.goto(f"{live_server.url}/c/{open_campaign.slug}/")
    page.click("#vote-link a")
    page.wait_for_selector("#otp-phone")
    gallery = f"{live_server.url}/c/{open_campaign.slug}/candidates/"
    assert page.url == gallery
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.fill("#otp-phone", "139 0635 1234")
    page.click(".sms-form button[type=submit]")
    page.wait_for_selector("#otp-code")
    assert page.inner_text("#vote-message") == _zh(OTP_MESSAGES["sent"])
    page.fill("#otp-code", last_code_for("+8613906351234"))
    page.click(".sms-form button[type=submit]")
    page.wait_for_selector("#remaining")
    assert page.url == gallery  # back in the gallery, with no message in the address
    assert page.inner_text("#vote-message") == _zh(OTP_MESSAGES["verified"])
    assert page.inner_text("[data-remaining]") == "5"

    for index in range(5):  # five candidates, one vote each: the day's quota
        page.check(f"li[data-candidate='{candidates[index].pk}'] input[type=checkbox]")
        page.click("#vote-submit")
        page.wait_for_function("expected => document.querySelector('[data-remaining]').textContent === expected",
                               arg=str(4 - index))
        assert page.get_attribute("#vote-message", "data-status") == "accepted"
    assert page.inner_text("#vote-message") == _zh(OUTCOME_MESSAGES["accepted"])
    # No votes left today: nothing can be chosen or sent any more (the server would refuse it: quota_total).
    page.wait_for_function("() => { const b = document.getElementById('vote-submit');"
                           "        return b.getAttribute('aria-busy') === 'false' && b.disabled; }")
    assert page.locator("li.candidate input[type=checkbox]:enabled").count() == 0

    page.screenshot(path=os.environ.get("E2E_VOTE_SCREENSHOT", str(tmp_path / "ballot.png")), full_page=True)
    page.reload()
    spent = page.locator("li.candidate.spent").count()
    assert (spent, re.sub(r"\s", "", page.inner_text("[data-remaining]"))) == (5, "0")
    assert (page.locator("li.candidate input[type=checkbox]:enabled").count(), page.is_disabled("#vote-submit")) == (
        0, True)
    decisions = list(LedgerEntry.objects.order_by("seq").values_list("decision", "reason"))
    assert decisions == [("accepted", "")] * 5
