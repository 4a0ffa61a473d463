"""What a reply adds to a nomination: its own words, without the mail it quotes, as each common mailer quotes it."""

import pytest

from xuanshu.intake.channels.email.quoting import reply_part, without_quoted_mail

OWN = "补充：她还常年为社区老人义务理发。"
QUOTED = "推荐出彩聊城人：王秀兰在东昌府区古楼街道照顾孤寡老人二十年。"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # Gmail (English), with the attribution wrapped inside the address, as its plain-text part wraps long lines.
        (f"{OWN}\r\n\r\nOn Mon, Mar 4, 2024 at 9:15 AM 张桂芳 <\r\nzhanggf@163.com> wrote:\r\n\r\n> {QUOTED}\r\n", OWN),
        # Gmail (Chinese).
        (f"{OWN}\n\n在 2024年3月4日周一 09:15，张桂芳 <zhanggf@163.com> 写道：\n\n> {QUOTED}\n", OWN),
        # Apple Mail (Chinese): the date first.
        (f"{OWN}\n\n2024年3月4日 09:15，张桂芳 <zhanggf@163.com> 写道：\n\n> {QUOTED}\n", OWN),
        # Foxmail: the sender first, then 于 and the date.
        (f"{OWN}\n\n张桂芳 <zhanggf@163.com> 于2024年3月4日 09:15写道：\n{QUOTED}\n", OWN),
        # QQ Mail: the separator, then the quoted mail's headers without '>'.
        (f'{OWN}\n\n------------------ 原始邮件 ------------------\n发件人: "张桂芳"<zhanggf@163.com>;\n{QUOTED}\n', OWN),
        # Outlook (Chinese): a line of underscores and the quoted headers.
        (
            f"{OWN}\n\n________________________________\n发件人: 张桂芳 <zhanggf@163.com>\n发送时间: 2024年3月4日 9:15\n{QUOTED}",
            OWN,
        ),
        # Outlook without the underscores, and its English separator.
        (f"{OWN}\n\n发件人: 张桂芳 <zhanggf@163.com>\n发送时间: 2024年3月4日 9:15\n{QUOTED}", OWN),
        (f"{OWN}\n\n-----Original Message-----\nFrom: zhanggf@163.com\n{QUOTED}", OWN),
        # Written between the quoted lines: the reply's own lines stay, the quoted ones go.
        (f"> {QUOTED}\n\n{OWN}\n\n> 推荐人：张桂芳\n她的电话是13812341234。", f"{OWN}\n\n她的电话是13812341234。"),
        # A citizen's own 写道 names no time and no address: it is a sentence, not an attribution.
        (
            "她在日记里写道：要帮助别人。\n在2019年她又写道：坚持就是胜利。",
            "她在日记里写道：要帮助别人。\n在2019年她又写道：坚持就是胜利。",
        ),
        (OWN, OWN),
    ],
)
def test_the_quoted_mail_is_left_out(body, expected):
    assert without_quoted_mail(body) == expected


def test_a_reply_subject_only_repeats_the_thread_and_another_subject_is_kept():
    assert [
        reply_part(subject, f"{OWN}\n> {QUOTED}") for subject in ("Re: 推荐出彩聊城人", "回复：推荐出彩聊城人", "补充材料", "")
    ] == [
        OWN,
        OWN,
        f"补充材料\n\n{OWN}",
        OWN,
    ]
