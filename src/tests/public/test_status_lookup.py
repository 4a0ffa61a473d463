"""The status lookup reads the reference and phone digits the way a citizen types them on a phone; guessing the digits
is stopped without locking the owner out."""
import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.public.test_nomination_form import nominate_url, valid_post
from xuanshu.nominations.models import Nomination
from xuanshu.public import status_lookup as limits
from xuanshu.public.links import status_link_token

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


@pytest.fixture
def reference(client, campaign):
    client.post(nominate_url(campaign), valid_post())  # phone 138 1234 5678
    return Nomination.objects.get().reference


def lookup(client, campaign, reference, last4):
    return client.post(reverse("public:status", args=[campaign.slug]), {"reference": reference, "phone_last4": last4})


@pytest.mark.parametrize(("typed_reference", "typed_last4"), [
    ("{ref}", "５６７８"),  # a Chinese input method in full-width mode
    ("{full_width_ref}", "5678"),
    ("{ref_with_space}", "5678"),
    ("{ref_with_en_dash}", "5678"),
    ("{ref_without_dash}", " 5678 "),
    ("{ref}", "13812345678"),  # the whole number typed or pasted
    ("{number_alone}", "5678"),  # the number alone, from a phone's number pad: no letters
    ("{number}", "5678"),
    ("{full_width_number}", "5678"),
])
def test_what_a_phone_types_finds_the_nomination(client, campaign, reference, typed_reference, typed_last4):
    prefix, number = reference.split("-")
    typed = typed_reference.format(
        ref=reference, ref_with_space=f"{prefix} {number}", ref_with_en_dash=f"{prefix}\u2013{number}",
        ref_without_dash=f"{prefix}{number}".lower(),
        full_width_ref="".join(chr(ord(ch) + 0xFEE0) for ch in reference),  # ＣＣＬＣ２０２４－０００００１
        number=number, number_alone=str(int(number)), full_width_number="".join(chr(ord(ch) + 0xFEE0) for ch in number),
    )
    response = lookup(client, campaign, typed, typed_last4)
    # The form shows the reference as it was read.
    assert (response.status_code, response.context["result"]["reference"], response.context["reference"]) == (
        200, reference, reference)


@pytest.mark.parametrize("typed_last4", ["1234", "12345", "５６７", "56 7", "٥٦٧٨"])
def test_other_digits_still_find_nothing(client, campaign, reference, typed_last4):
    response = lookup(client, campaign, reference, typed_last4)
    assert response.status_code in (400, 404) and response.context["result"] is None


OWNER, STRANGER = "10.0.0.1", "10.0.0.66"


def lookup_from(client, campaign, reference, typed, address):
    return client.post(reverse("public:status", args=[campaign.slug]), {"reference": reference, "phone_last4": typed},
                       REMOTE_ADDR=address)


def wrong_digits(count):
    return [f"{n:04d}" for n in range(count)]  # never 5678, the owner's


def outcome(response):
    result = response.context["result"]
    return (response.status_code, result["reference"] if result else None, response.context["error"])


TOO_MANY_WRONG = "这个推荐编号在您这里输错的次数过多，请1小时后再试。"
WHOLE_NUMBER_NEEDED = "这个推荐编号近期被多次输错。为保护您的信息，请输入推荐时填写的完整电话号码查询（座机请带区号）。"
LINK_NOTE = "如果您收到过查询链接（提交推荐后页面上的链接，或微信公众号、电子邮件回复中的链接），可直接打开查看：它随时可用，无需输入电话号码。"


def test_the_owner_gets_in_after_a_strangers_many_wrong_tries(client, campaign, reference):
    # More tries than the global cap on wrong four-digit answers: the stranger's refused tries do not count towards it.
    tries = limits.FOUR_DIGIT_FAILURES_PER_REFERENCE + 2
    stranger = [lookup_from(client, campaign, reference, digits, STRANGER).status_code for digits in wrong_digits(tries)]
    owner = lookup_from(client, campaign, reference, "5678", OWNER)
    assert stranger == [404] * limits.FAILURES_PER_REFERENCE_AND_ADDRESS + [429] * (tries - limits.FAILURES_PER_REFERENCE_AND_ADDRESS)
    assert outcome(owner) == (200, reference, "")


def test_guessing_from_one_address_is_stopped_before_the_right_answer_is_checked(client, campaign, reference):
    for digits in wrong_digits(limits.FAILURES_PER_REFERENCE_AND_ADDRESS):
        lookup_from(client, campaign, reference, digits, STRANGER)
    response = lookup_from(client, campaign, reference, "5678", STRANGER)
    assert outcome(response) == (429, None, TOO_MANY_WRONG)
    assert LINK_NOTE in response.content.decode()


def test_distributed_guessing_is_capped_and_then_only_the_whole_number_works(client, campaign, reference):
    guesses = [
        lookup_from(client, campaign, reference, digits, f"10.0.1.{n}").status_code
        for n, digits in enumerate(wrong_digits(limits.FOUR_DIGIT_FAILURES_PER_REFERENCE))
    ]
    right_four_digits = lookup_from(client, campaign, reference, "5678", "10.0.2.1")  # no longer checked, from anywhere
    wrong_number_right_end = lookup_from(client, campaign, reference, "139 0000 5678", "10.0.2.1")
    owner = lookup_from(client, campaign, reference, "138 1234 5678", OWNER)
    assert guesses == [404] * limits.FOUR_DIGIT_FAILURES_PER_REFERENCE
    assert outcome(right_four_digits) == (403, None, WHOLE_NUMBER_NEEDED)
    html = right_four_digits.content.decode()
    assert ('<label for="phone_last4">完整电话号码</label>' in html, LINK_NOTE in html) == (True, True)
    assert outcome(wrong_number_right_end)[:2] == (404, None)
    assert outcome(owner) == (200, reference, "")


def test_right_answers_are_never_counted_against_the_limits(client, campaign, reference):
    statuses = [lookup_from(client, campaign, reference, "5678", OWNER).status_code
                for _ in range(limits.FOUR_DIGIT_FAILURES_PER_REFERENCE + 2)]
    assert statuses == [200] * (limits.FOUR_DIGIT_FAILURES_PER_REFERENCE + 2)


def test_a_whole_number_is_checked_whole(client, campaign, reference):
    assert outcome(lookup_from(client, campaign, reference, "13900005678", OWNER))[:2] == (404, None)


def test_one_address_is_limited_across_references(client, campaign, reference):
    statuses = [lookup_from(client, campaign, f"CCLC2024-{n:06d}", "0000", STRANGER).status_code
                for n in range(limits.LOOKUPS_PER_ADDRESS + 1)]
    assert statuses == [404] * limits.LOOKUPS_PER_ADDRESS + [429]
    assert lookup_from(client, campaign, reference, "5678", OWNER).status_code == 200


def test_the_thanks_page_gives_the_status_link_that_needs_no_digits(client, campaign):
    thanks = client.get(client.post(nominate_url(campaign), valid_post())["Location"]).content.decode()
    reference = Nomination.objects.get().reference
    link = re.search(r'<a class="button secondary" href="([^"]+)" id="status-link">', thanks).group(1)
    assert link == reverse("public:status_link", args=[campaign.slug, status_link_token(reference)])
    for digits in wrong_digits(limits.FOUR_DIGIT_FAILURES_PER_REFERENCE + 1):  # the lookup is closed to four digits
        lookup_from(client, campaign, reference, digits, f"10.0.3.{digits[-2:]}")
    response = client.get(link)
    assert (response.status_code, response.context["result"]["reference"]) == (200, reference)


def _title(response) -> str:
    return re.search(r"<title>([^<]*)</title>", response.content.decode()).group(1)


def test_the_thanks_and_status_pages_have_titles_of_their_own(client, campaign, reference):
    """WeChat shows a page's title above it and in its favourites, where the thanks page asks for the status page to
    be kept: "出彩聊城人" alone named none of them."""
    from django.core import signing

    from xuanshu.public.views import THANKS_SALT

    thanks = client.get(reverse("public:nominate_thanks", args=[campaign.slug, signing.dumps(reference, salt=THANKS_SALT)]))
    by_link = client.get(reverse("public:status_link", args=[campaign.slug, status_link_token(reference)]))
    assert [
        _title(client.get(reverse("public:status", args=[campaign.slug]))), _title(thanks), _title(by_link),
        _title(lookup(client, campaign, reference, "5678")), _title(lookup(client, campaign, reference, "0000")),
    ] == [
        "查询推荐进度 · 出彩聊城人", "推荐已收到 · 出彩聊城人", f"推荐进度：{reference} · 出彩聊城人",
        f"推荐进度：{reference} · 出彩聊城人", "查询推荐进度 · 出彩聊城人",
    ]


def test_the_status_comes_first_above_the_lookup_form(client, campaign, reference):
    """Below the form, the status fell under the fold of a phone's screen once the keyboard closed."""
    from django.utils import timezone

    html = lookup(client, campaign, reference, "5678").content.decode()
    result = re.search(r'<section class="card result" id="status-result">(.*?)</section>', html, re.S).group(1)
    lines = [re.sub(r"<[^>]+>", "", line) for line in re.findall(r"<p[^>]*>(.*?)</p>", result, re.S)]
    received = timezone.localtime(Nomination.objects.get().received_at).strftime("%Y-%m-%d %H:%M")
    assert (html.index('id="status-result"') < html.index("<form "), lines) == (True, [
        reference, "状态：已收到，等待审核", "被推荐人：田玉柱", "推荐类别：崇德向善好人好事", f"已收到：{received}"])
