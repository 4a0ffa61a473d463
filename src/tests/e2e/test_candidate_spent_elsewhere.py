"""In Chromium on a phone: a ballot refused because a candidate's votes for today were already used (in another
tab) locks that candidate with its message, drawn as the page draws it when it loads, so it cannot be tapped
and refused again."""
import pytest

from tests.voting.conftest import candidates, make_voter, open_campaign  # noqa: F401  (the voting fixtures)
from xuanshu.voting import identity
from xuanshu.voting.models import LedgerEntry

# The vote's reply has been shown and the page's script has finished with it.
SETTLED = "() => document.getElementById('vote-message').getAttribute('data-status') !== null"
QUOTA_CANDIDATE = "您今天已为这位候选人投过票。"
VOTED_TODAY = "今日已投"

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# How a candidate is drawn: its classes, votes left, its box (or the profile's vote button), and its notes.
DRAWN = """id => {
  const el = document.querySelector(`[data-candidate='${id}']`);
  const box = el.querySelector('input[type=checkbox]');
  return {
    classes: el.className,
    votesLeft: el.getAttribute('data-votes-left'),
    box: box ? {disabled: box.disabled, checked: box.checked} : null,
    button: !!el.querySelector('#vote-submit'),
    notes: Array.from(el.querySelectorAll('p.muted')).map(p => p.textContent.trim()).filter(t => t === VOTED),
  };
}""".replace("VOTED", repr(VOTED_TODAY))


def _signed_in(page, live_server, campaign, voter) -> None:
    token = identity.issue_voter_token(campaign.pk, *voter)
    page.context.add_cookies([{"name": identity.VOTER_COOKIE, "value": token, "url": live_server.url}])


def _vote_in_another_tab(page, url: str, candidate) -> None:
    other = page.context.new_page()
    other.goto(url)
    other.check(f"li[data-candidate='{candidate.pk}'] input[type=checkbox]")
    other.click("#vote-submit")
    other.wait_for_function("() => document.getElementById('vote-message').getAttribute('data-status') === 'accepted'")
    other.close()


@pytest.mark.parametrize("path", ["candidates/", "vote/"])
def test_a_candidate_refused_as_voted_today_is_locked_as_the_page_draws_it(live_server, open_campaign, candidates,  # noqa: F811
                                                                           make_voter, phone_page, path):  # noqa: F811
    page = phone_page
    _signed_in(page, live_server, open_campaign, make_voter())
    url = f"{live_server.url}/c/{open_campaign.slug}/{path}"
    chosen = candidates[2]
    page.goto(url)  # this tab is now behind: it still offers the candidate
    _vote_in_another_tab(page, url, chosen)

    page.check(f"li[data-candidate='{chosen.pk}'] input[type=checkbox]")
    page.click("#vote-submit")
    page.wait_for_function(SETTLED)
    assert (page.get_attribute("#vote-message", "data-status"), page.inner_text("#vote-message")) == (
        "rejected:quota_candidate", QUOTA_CANDIDATE)
    locked = page.evaluate(DRAWN, chosen.pk)
    assert locked == {"classes": "candidate card spent", "votesLeft": "0", "box": {"disabled": True, "checked": False},
                      "button": False, "notes": [VOTED_TODAY]}
    assert page.evaluate(DRAWN, candidates[3].pk)["box"] == {"disabled": False, "checked": False}  # others stay
    assert page.is_disabled("#vote-submit") is False
    page.reload()
    assert page.evaluate(DRAWN, chosen.pk) == locked
    assert list(LedgerEntry.objects.filter(decision="accepted").values_list("candidate_id", flat=True)) == [chosen.pk]


def test_a_profile_refused_as_voted_today_shows_voted_today_instead_of_its_button(live_server, open_campaign,  # noqa: F811
                                                                                   candidates, make_voter,  # noqa: F811
                                                                                   phone_page):
    page = phone_page
    _signed_in(page, live_server, open_campaign, make_voter())
    chosen = candidates[2]
    page.goto(f"{live_server.url}/c/{open_campaign.slug}/candidates/{chosen.number}/")
    _vote_in_another_tab(page, f"{live_server.url}/c/{open_campaign.slug}/candidates/", chosen)

    page.click("#vote-submit")
    page.wait_for_function(SETTLED)
    assert page.get_attribute("#vote-message", "data-status") == "rejected:quota_candidate"
    locked = page.evaluate(DRAWN, chosen.pk)
    assert locked == {"classes": "card candidate profile spent", "votesLeft": "0", "box": None, "button": False,
                      "notes": [VOTED_TODAY]}
    page.reload()
    assert page.evaluate(DRAWN, chosen.pk) == locked


# (page, which candidates were voted for in another tab, which others are ticked with them): one spent with two
# others, and two spent with one other (five votes a day: three ticks at most after two used).
SEVERAL = [("candidates/", [2], [1, 3]), ("vote/", [5, 2], [3])]


@pytest.mark.parametrize(("path", "spent_at", "others_at"), SEVERAL)
def test_a_ballot_of_several_refused_names_the_spent_ones_and_keeps_the_other_ticks(live_server, open_campaign,  # noqa: F811
                                                                                    candidates, make_voter,  # noqa: F811
                                                                                    phone_page, path, spent_at,
                                                                                    others_at):
    """Several ticked, some voted for today in another tab: the message names those, their boxes are locked as the
    page draws them, the other ticks stay, and sending again is accepted."""
    page = phone_page
    _signed_in(page, live_server, open_campaign, make_voter())
    url = f"{live_server.url}/c/{open_campaign.slug}/{path}"
    spent, others = [candidates[i] for i in spent_at], [candidates[i] for i in others_at]
    page.goto(url)  # this tab is now behind: it still offers the candidates
    for candidate in spent:
        _vote_in_another_tab(page, url, candidate)

    for candidate in sorted([*spent, *others], key=lambda c: c.number):
        page.check(f"li[data-candidate='{candidate.pk}'] input[type=checkbox]")
    page.click("#vote-submit")
    page.wait_for_function(SETTLED)
    # Named in the ballot's order, the page's: the candidates' numbers.
    named = "、".join(c.display_name for c in sorted(spent, key=lambda c: c.number))
    assert (page.get_attribute("#vote-message", "data-status"), page.inner_text("#vote-message")) == (
        "rejected:quota_candidate", f"您今天已为 {named} 投过票，请取消勾选后再投。")
    assert [page.evaluate(DRAWN, c.pk) for c in spent] == [
        {"classes": "candidate card spent", "votesLeft": "0", "box": {"disabled": True, "checked": False},
         "button": False, "notes": [VOTED_TODAY]}] * len(spent)
    assert [page.evaluate(DRAWN, c.pk)["box"] for c in others] == [{"disabled": False, "checked": True}] * len(others)
    assert page.is_disabled("#vote-submit") is False

    page.evaluate("() => document.getElementById('vote-message').removeAttribute('data-status')")
    page.click("#vote-submit")
    page.wait_for_function(SETTLED)
    assert (page.get_attribute("#vote-message", "data-status"), page.inner_text("#vote-message")) == (
        "accepted", "感谢您的投票，已计入票数。")
    # now voted for today (one vote a candidate a day), they are locked in turn
    assert [page.evaluate(DRAWN, c.pk)["box"] for c in others] == [{"disabled": True, "checked": False}] * len(others)
    assert page.inner_text("[data-remaining]") == str(5 - len(spent) - len(others))
    accepted = LedgerEntry.objects.filter(decision="accepted").order_by("seq").values_list("candidate_id", flat=True)
    assert list(accepted) == [*(c.pk for c in spent), *(c.pk for c in sorted(others, key=lambda c: c.number))]
    refused = LedgerEntry.objects.filter(reason="quota_candidate").values_list("candidate_id", flat=True)
    assert sorted(refused) == sorted(c.pk for c in [*spent, *others])
