"""End to end, in Chromium: a move to a state no nomination can leave ("withdrawn") is confirmed before it is sent, on
a nomination's page and in the queue's batch move; and on a 1024-pixel laptop the queue's short columns keep to one
line, so a row is not four lines tall."""

import re

import pytest

from xuanshu.intake.enums import Channel
from xuanshu.nominations.models import Nomination

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def signed_in(live_server, editor, browser):
    """A laptop-sized page signed in as the editor."""
    context = browser.new_context(viewport={"width": 1024, "height": 700}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/console/login/")
    page.fill("input[name=username]", editor.username)
    page.fill("input[name=password]", f"{editor.username}-pass-123")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/console/$"))
    yield page
    context.close()


def answer_dialogs(page, answers: list[bool]) -> list[str]:
    """Answer the page's confirm() dialogs in turn; returns their messages as they are shown."""
    shown = []

    def answer(dialog):
        shown.append(dialog.message)
        dialog.accept() if answers[len(shown) - 1] else dialog.dismiss()

    page.on("dialog", answer)
    return shown


def test_withdrawing_one_nomination_asks_first(live_server, make_nomination, signed_in):
    nomination = make_nomination()
    page = signed_in
    page.goto(f"{live_server.url}/console/nominations/{nomination.reference}/")
    shown = answer_dialogs(page, [False, True])
    page.fill("textarea[name=reason]", "推荐人来电撤回")

    page.click("button[name=new_state][value=withdrawn]")  # dismissed: nothing is sent
    page.wait_for_timeout(300)
    nomination.refresh_from_db()
    assert (nomination.state, page.url) == ("received", f"{live_server.url}/console/nominations/{nomination.reference}/")

    page.click("button[name=new_state][value=withdrawn]")  # accepted
    page.wait_for_selector("text=推荐状态已变更为“已撤回”。")
    nomination.refresh_from_db()
    message = "“已撤回”之后，这条推荐不能再改为其他任何状态。确定要移至“已撤回”吗？"
    assert (nomination.state, shown) == ("withdrawn", [message, message])


def test_other_moves_are_sent_without_a_question(live_server, make_nomination, signed_in):
    nomination = make_nomination()
    page = signed_in
    page.goto(f"{live_server.url}/console/nominations/{nomination.reference}/")
    shown = answer_dialogs(page, [])
    page.click("button[name=new_state][value=in_review]")
    page.wait_for_selector("text=推荐状态已变更为“审核中”。")
    assert shown == []


def test_a_batch_withdrawal_asks_first(live_server, make_nomination, signed_in):
    made = [make_nomination(nominee_name=name) for name in ("安娜", "白雪")]
    page = signed_in
    page.goto(f"{live_server.url}/console/?sort=name")
    shown = answer_dialogs(page, [False, True])
    page.check("input[data-select-all]")
    page.select_option("select[name=new_state]", "withdrawn")
    page.fill("input[name=reason]", "推荐人来电撤回")

    page.click("button:has-text('应用到勾选的推荐')")  # dismissed
    page.wait_for_timeout(300)
    assert sorted(Nomination.objects.filter(pk__in=[n.pk for n in made]).values_list("state", flat=True)) == ["received"] * 2

    page.click("button:has-text('应用到勾选的推荐')")
    page.wait_for_selector("text=已将 2 条推荐移至“已撤回”。")
    message = "勾选的推荐将移至“已撤回”，之后不能再改为其他任何状态。确定吗？"
    assert shown == [message, message]


def test_the_queue_keeps_short_columns_on_one_line_on_a_laptop(live_server, make_nomination, signed_in):
    make_nomination(channel=Channel.API, nominee_name="高唐县人民医院急诊科护理团队志愿服务队", nominee_kind="group")
    make_nomination(nominee_name='=HYPERLINK("http://example.com/a-very-long-address-without-any-space","点我")')
    page = signed_in
    page.goto(f"{live_server.url}/console/")
    # The number of lines each cell's text takes, by column (kind, channel, received), for every row.
    lines = page.eval_on_selector_all(
        "table.rows tbody tr",
        """rows => rows.map(row => [3, 6, 8].map(column => {
        const range = document.createRange();
        range.selectNodeContents(row.cells[column]);
        return new Set(Array.from(range.getClientRects()).map(rect => Math.round(rect.top))).size;
    }))""",
    )
    width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert (lines, width) == ([[1, 1, 1], [1, 1, 1]], [1024, 1024])
