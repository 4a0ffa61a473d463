"""In Chromium on a phone: what a citizen did before signing in is still there after it. The candidates ticked
before the text-message sign-in are ticked again when the page comes back verified (and forgotten once voted for);
a refused number stays in the field to be corrected; and on a candidate's profile, opened from a shared link, the vote
button leads to the sign-in below the candidate, which each step of the sign-in comes back to."""

import pytest

from tests.voting.conftest import candidates, open_campaign  # noqa: F401  (the voting fixtures)
from xuanshu.voting.models import LedgerEntry
from xuanshu.voting.sms.dev import last_code_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TICKED = "() => Array.from(document.querySelectorAll('input[name=candidate]:checked')).map(b => b.value)"
IN_VIEW = """selector => { const r = document.querySelector(selector).getBoundingClientRect();
                            return r.top >= 0 && r.bottom <= window.innerHeight; }"""


def test_ticks_made_before_the_sign_in_are_kept_through_it(
    live_server,
    open_campaign,  # noqa: F811
    candidates,  # noqa: F811
    phone_page,
):
    page = phone_page
    gallery = f"{live_server.url}/c/{open_campaign.slug}/candidates/"
    page.goto(gallery)
    chosen = [str(candidates[0].pk), str(candidates[3].pk)]
    for pk in chosen:
        page.check(f"li[data-candidate='{pk}'] input[type=checkbox]")
    page.click("#vote-submit")
    page.wait_for_function("() => document.getElementById('vote-message').getAttribute('data-status') !== null")
    assert page.inner_text("#vote-message") == "投票前请先验证身份。"

    page.fill("#otp-phone", "1390635123")  # a digit short
    page.click(".sms-form button[type=submit]")
    page.wait_for_load_state()
    assert (page.inner_text("#vote-message"), page.input_value("#otp-phone"), page.evaluate(TICKED)) == (
        "请输入有效的大陆手机号码。",
        "1390635123",
        chosen,
    )
    page.fill("#otp-phone", "13906351234")
    page.click(".sms-form button[type=submit]")
    page.wait_for_selector("#otp-code")
    page.fill("#otp-code", last_code_for("+8613906351234"))
    page.click(".sms-form button[type=submit]")
    page.wait_for_selector("#remaining")
    assert (page.inner_text("#vote-message"), page.evaluate(TICKED)) == ("验证成功，现在可以投票了。", chosen)

    page.click("#vote-submit")
    page.wait_for_function("() => document.querySelector('[data-remaining]').textContent === '3'")
    accepted = LedgerEntry.objects.filter(decision="accepted").values_list("candidate_id", flat=True)
    assert sorted(accepted) == sorted(int(pk) for pk in chosen)
    page.reload()  # voted for: not ticked again
    assert page.evaluate(TICKED) == []


def test_on_a_profile_the_vote_button_leads_to_the_sign_in_which_each_step_returns_to(
    live_server,
    open_campaign,  # noqa: F811
    candidates,  # noqa: F811
    phone_page,
):
    page = phone_page
    profile = f"{live_server.url}/c/{open_campaign.slug}/candidates/{candidates[2].number}/"
    page.goto(profile)
    assert page.evaluate(IN_VIEW, "#vote-to-identity") is True  # the candidate and its button open the page
    page.click("#vote-to-identity")
    page.wait_for_function("() => location.hash === '#identity'")
    assert page.evaluate(IN_VIEW, "#otp-phone") is True

    page.fill("#otp-phone", "13906351234")
    page.click(".sms-form button[type=submit]")
    page.wait_for_selector("#otp-code")
    assert (page.url, page.inner_text("#identity-message")) == (f"{profile}#identity", "验证码已发送到您的手机，5分钟内有效。")
    assert page.evaluate(IN_VIEW, "#otp-code") is True
    page.fill("#otp-code", last_code_for("+8613906351234"))
    page.click(".sms-form button[type=submit]")
    page.wait_for_selector("#vote-submit")
    assert page.inner_text("#vote-message") == "验证成功，现在可以投票了。"
    page.click("#vote-submit")
    page.wait_for_function("() => document.querySelector('[data-remaining]').textContent === '4'")
    assert list(LedgerEntry.objects.filter(decision="accepted").values_list("candidate_id", flat=True)) == [candidates[2].pk]
