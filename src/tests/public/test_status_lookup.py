"""The status lookup reads the reference and phone digits the way a citizen types them on a phone."""
import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.public.test_nomination_form import nominate_url, valid_post
from xuanshu.nominations.models import Nomination

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
])
def test_what_a_phone_types_finds_the_nomination(client, campaign, reference, typed_reference, typed_last4):
    prefix, number = reference.split("-")
    typed = typed_reference.format(
        ref=reference, ref_with_space=f"{prefix} {number}", ref_with_en_dash=f"{prefix}\u2013{number}",
        ref_without_dash=f"{prefix}{number}".lower(),
        full_width_ref="".join(chr(ord(ch) + 0xFEE0) for ch in reference),  # ＣＣＬＣ２０２４－０００００１
    )
    response = lookup(client, campaign, typed, typed_last4)
    assert (response.status_code, response.context["result"]["reference"]) == (200, reference)


@pytest.mark.parametrize("typed_last4", ["1234", "12345", "５６７", "56 7", "٥٦٧٨"])
def test_other_digits_still_find_nothing(client, campaign, reference, typed_last4):
    response = lookup(client, campaign, reference, typed_last4)
    assert response.status_code in (400, 404) and response.context["result"] is None
