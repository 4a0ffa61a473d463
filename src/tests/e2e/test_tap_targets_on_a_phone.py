"""Every control a citizen taps on the public pages is at least 40 px tall on a phone: the nomination form's
choices, consent box, notice and photo button, the voting pages' boxes and links, the picture check's links, the
thanks page's."""

import pytest
from django.core import signing

from tests.voting.conftest import candidates, open_campaign  # noqa: F401  (the voting fixtures)
from xuanshu.public.views import THANKS_SALT

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MIN_HEIGHT = 40

# What a thumb taps: links, buttons and fields; a box or round choice by its label, which takes the tap for it.
# Hidden controls (the honeypot, kept off screen) are not tapped.
SMALL_TARGETS = """(min) => {
  const small = [];
  for (const el of document.querySelectorAll('a[href], button, input, select, textarea, summary')) {
    if (el.type === 'hidden' || el.closest('.hp')) continue;
    const target = (el.type === 'checkbox' || el.type === 'radio') && el.closest('label') ? el.closest('label') : el;
    const box = target.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (box.height < min) small.push(`${el.tagName.toLowerCase()} ${(target.innerText || el.name || el.id).trim()}`);
  }
  return small;
}"""


def test_nothing_a_citizen_taps_is_smaller_than_a_fingertip(live_server, open_campaign, candidates, phone_page):  # noqa: F811
    page = phone_page
    small = {}
    thanks = f"nominate/thanks/{signing.dumps('CCLC2024-000001', salt=THANKS_SALT)}/"
    for path in (
        "",
        "nominate/",
        thanks,
        "status/",
        "candidates/",
        f"candidates/{candidates[0].number}/",
        "vote/",
        "vote/device/",
    ):
        page.goto(f"{live_server.url}/c/{open_campaign.slug}/{path}")
        small[path] = page.evaluate(SMALL_TARGETS, MIN_HEIGHT)
    assert small == {path: [] for path in small}
