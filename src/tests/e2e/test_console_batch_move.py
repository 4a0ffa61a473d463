"""End to end: an editor ticks rows of the queue in Chromium ("select all on this page", one unticked) and rejects them
with a reason; the page asks for the reason first, and comes back in the same order with the report."""
import re

import pytest

from xuanshu.nominations.models import Nomination

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_select_all_then_move_with_a_reason(live_server, make_nomination, editor, desktop_page):
    made = [make_nomination(nominee_name=name) for name in ("赵六", "安娜", "刘翔宇")]
    page = desktop_page
    page.goto(f"{live_server.url}/console/login/")
    page.fill("input[name=username]", editor.username)
    page.fill("input[name=password]", f"{editor.username}-pass-123")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/console/$"))
    page.goto(f"{live_server.url}/console/?sort=name")

    page.check("input[data-select-all]")
    assert page.eval_on_selector_all("input[name=selected]", "boxes => boxes.map(box => box.checked)") == [True] * 3
    page.uncheck(f"input[name=selected][value='{made[0].pk}:received']")  # 赵六, last in pinyin order
    assert page.eval_on_selector("input[data-select-all]", "box => [box.checked, box.indeterminate]") == [False, True]

    page.select_option("select[name=new_state]", "rejected")
    page.click("button:has-text('应用到勾选的推荐')")  # no reason yet: the browser asks for it, nothing is sent
    assert page.eval_on_selector("input[name=reason]", "field => [field.required, field.validity.valueMissing]") == [True, True]
    assert sorted(Nomination.objects.values_list("state", flat=True)) == ["received"] * 3

    page.fill("input[name=reason]", "不符合推荐条件")
    page.click("button:has-text('应用到勾选的推荐')")
    page.wait_for_selector("text=已将 2 条推荐移至“未通过”。")
    assert page.url == f"{live_server.url}/console/?sort=name"
    states = dict(Nomination.objects.values_list("nominee_name", "state"))
    assert states == {"赵六": "received", "安娜": "rejected", "刘翔宇": "rejected"}


def test_back_after_a_batch_move_ticks_nothing(live_server, make_nomination, editor, desktop_page):
    """Back to the queue after a move: the browser draws the page afresh (it is never cached) and would put the ticks
    and the chosen state back by position, on rows that slid up into the moved ones' places. Nothing is ticked."""
    made = [make_nomination(nominee_name=name) for name in ("安娜", "白雪", "陈晨", "丁一")]
    page = desktop_page
    page.goto(f"{live_server.url}/console/login/")
    page.fill("input[name=username]", editor.username)
    page.fill("input[name=password]", f"{editor.username}-pass-123")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/console/$"))
    page.goto(f"{live_server.url}/console/?sort=name")
    page.check(f"input[name=selected][value='{made[0].pk}:received']")
    page.check(f"input[name=selected][value='{made[1].pk}:received']")
    page.select_option("select[name=new_state]", "in_review")
    page.click("button:has-text('应用到勾选的推荐')")
    page.wait_for_selector("text=已将 2 条推荐移至“审核中”。")

    page.go_back()
    page.wait_for_selector("input[name=selected]")
    shown = page.eval_on_selector_all("input[name=selected]", "boxes => boxes.map(box => [box.value, box.checked])")
    assert shown == [[f"{n.pk}:{state}", False] for n, state in zip(
        made, ["in_review", "in_review", "received", "received"], strict=True)]
    assert page.eval_on_selector("select[name=new_state]", "select => select.value") == ""
    assert dict(Nomination.objects.values_list("nominee_name", "state")) == {
        "安娜": "in_review", "白雪": "in_review", "陈晨": "received", "丁一": "received"}
