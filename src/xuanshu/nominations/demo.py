"""Realistic, clearly labelled demo nominations for rehearsals and `make run`.

Each demo nomination goes through the real path: a raw inbound record in the shape its channel
delivers (WeChat XML, an e-mail, an app tip JSON, a keyed-in hotline call, a form post), then a
nomination, then the review steps an editor would take. Everything is marked is_demo.
"""
import dataclasses
import datetime as dt
import json
import random
from email.message import EmailMessage

from django.utils import timezone

from xuanshu.campaigns.models import Campaign
from xuanshu.intake.enums import Channel, InboundStatus
from xuanshu.intake.models import InboundMessage
from xuanshu.intake.services import receive_inbound, set_inbound_status
from xuanshu.nominations.services import NominationDraft, create_nomination_from_draft, set_nomination_state

SURNAMES = list("王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤") + ["欧阳", "司马", "上官", "皇甫"]
GIVEN = ["桂芳", "玉柱", "建国", "秀英", "志强", "海燕", "文静", "保国", "春梅", "德胜", "丽娟", "长江", "淑珍", "宝山", "晓东",
         "红霞", "振华", "凤兰", "国庆", "明", "磊", "静", "伟", "宁宁", "子涵", "浩然", "雨桐", "立新", "金花", "守义"]
GROUPS = ["蓝天救援队", "红马甲志愿服务队", "爱心妈妈团", "巾帼志愿者协会", "义务巡河队", "孝善理事会", "退役军人志愿服务队",
          "青年突击队", "老兵宣讲团", "爱心车队", "助残服务社", "应急救援志愿队"]
TOWNS = {
    "dongchangfu": ["古楼街道", "柳园街道", "新区街道", "闫寺街道", "沙镇镇"],
    "chiping": ["振兴街道", "博平镇", "韩屯镇", "乐平铺镇"],
    "linqing": ["青年路街道", "先锋路街道", "烟店镇", "尚店镇"],
    "yanggu": ["博济桥街道", "阿城镇", "石佛镇", "七级镇"],
    "shenxian": ["燕塔街道", "张鲁回族镇", "朝城镇", "古云镇"],
    "donge": ["铜城街道", "刘集镇", "姜楼镇", "鱼山镇"],
    "guanxian": ["清泉街道", "柳林镇", "店子镇", "辛集镇"],
    "gaotang": ["鱼邱湖街道", "琉璃寺镇", "清平镇", "尹集镇"],
    "kaifaqu": ["蒋官屯街道", "北城街道"],
    "gaoxinqu": ["许营镇", "顾官屯镇"],
    "dujiaqu": ["于集镇", "朱老庄镇"],
    "outside": ["北京市海淀区", "上海市浦东新区", "深圳市南山区", "济南市历下区"],
}
DEEDS = {
    "development": [
        "{name}扎根聊城创办企业十余年，带领团队攻克轴承精密加工关键技术，产品出口二十多个国家，带动{n}户群众就业增收。",
        "{name}长期从事农业科研，培育的小麦新品种在全市推广{n}万亩，亩产提高一成以上，被农民称为“田秀才”。",
        "{name}带领研发团队突破新能源材料工艺难题，获得发明专利{n}项，为聊城新材料产业发展作出突出贡献。",
    ],
    "athletes": [
        "{name}在全国锦标赛上夺得金牌，为聊城争得荣誉。训练之余还回到母校为孩子们上体育课，鼓励他们坚持运动。",
        "{name}是聊城走出的举重运动员，刻苦训练{n}年，在国际比赛中为国争光，是家乡青少年学习的榜样。",
    ],
    "hometown": [
        "{name}在外创业成功后不忘家乡，先后捐资{n}十万元修路建校，还把项目带回老家，帮助乡亲们在家门口就业。",
        "{name}虽然在外地工作，但每年都回乡组织义诊，累计为{n}百名老人免费体检，乡亲们都很感激。",
    ],
    "good-conduct": [
        "{name}三十年如一日照顾瘫痪在床的婆婆，还常年义务为村里的孤寡老人理发送饭，街坊邻居有口皆碑。",
        "今年夏天暴雨中，{name}冒着危险跳入湍急的河水，救起落水的小学生，事后悄悄离开，被监控拍下才找到。",
        "{name}坚持无偿献血{n}次，还动员身边的朋友加入志愿服务队伍，累计服务时长超过两千小时。",
        "{name}自发组织起来，每天清晨巡查徒骇河沿岸，劝阻野泳、清理垃圾，守护一方水清岸绿。",
        "{name}在疫情和汛期中冲在一线，转移被困群众{n}十余人，哪里有危险就出现在哪里。",
    ],
}
CHANNEL_WEIGHTS = [(Channel.WECHAT, 40), (Channel.WEBFORM, 25), (Channel.EMAIL, 15), (Channel.API, 12), (Channel.HOTLINE, 8)]
STATE_PATHS = [
    ([], 40), (["in_review"], 25), (["in_review", "needs_info"], 6), (["in_review", "verified"], 14),
    (["in_review", "verified", "shortlisted"], 7), (["rejected"], 4), (["duplicate"], 3), (["in_review", "withdrawn"], 1),
]
REASONS = {"needs_info": "请补充事迹证明材料", "rejected": "不符合推荐条件（非聊城相关）", "duplicate": "与已有推荐重复", "withdrawn": "推荐人申请撤回"}


def _pick(rng: random.Random, weighted):
    items, weights = zip(*weighted)
    return rng.choices(items, weights=weights)[0]


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _phone(rng: random.Random) -> str:
    if rng.random() < 0.1:
        return f"+86635{rng.randint(8200000, 8599999)}"  # a Liaocheng landline
    return f"+86{rng.choice(['138', '139', '150', '158', '186', '187', '135', '177'])}{rng.randint(10000000, 99999999)}"


def demo_draft(rng: random.Random, campaign: Campaign) -> NominationDraft:
    category = rng.choice([c.code for c in campaign.categories.all()])
    is_group = category == "good-conduct" and rng.random() < 0.3
    area = rng.choice(list(TOWNS))
    county = {a.code: a.name for a in campaign.areas.all()}.get(area, "")
    name = (county.rstrip("区县市") if area != "outside" else "聊城") + rng.choice(GROUPS) if is_group else _person(rng)
    deeds = rng.choice(DEEDS.get(category, DEEDS["good-conduct"])).format(name=name, n=rng.randint(2, 9))
    return NominationDraft(
        nominee_name=name,
        nominee_kind="group" if is_group else "individual",
        category_code=category,
        area_code=area,
        place_detail=rng.choice(TOWNS[area]),
        deeds=deeds,
        nominator_name=_person(rng),
        nominator_phone=_phone(rng),
        nominator_email=f"reader{rng.randint(100, 999)}@example.com" if rng.random() < 0.3 else "",
    )


def _raw_for_channel(channel: str, draft: NominationDraft, campaign: Campaign, when: dt.datetime, index: int):
    """The input as that channel would have delivered it: (payload, raw_body, sender)."""
    national = draft.nominator_phone.removeprefix("+86")
    national = national if national.startswith("1") else f"0{national}"  # a landline is typed with its leading 0
    text = f"{campaign.keyword} 被推荐人：{draft.nominee_name}。{draft.place_detail}。{draft.deeds} 推荐人：{draft.nominator_name}，电话{national}"
    if channel == Channel.WECHAT:
        openid = f"oDEMO{index:023d}"
        xml = (
            f"<xml><ToUserName><![CDATA[gh_{campaign.wechat_account}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{int(when.timestamp())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{text}]]></Content><MsgId>{7000000000000000000 + index}</MsgId></xml>"
        )
        return None, xml.encode(), openid
    if channel == Channel.EMAIL:
        mail = EmailMessage()
        mail["From"] = draft.nominator_email or f"reader{index}@example.com"
        mail["To"] = campaign.mailbox
        mail["Subject"] = f"{campaign.keyword}：{draft.nominee_name}"
        mail["Message-ID"] = f"<demo-{index}@example.com>"
        mail.set_content(text)
        return None, bytes(mail), str(mail["From"])
    if channel == Channel.API:
        # As the partner API takes it (api/schemas.py: contact is an object); the phone as the app user typed it.
        tip = {"tip_id": f"DEMO{index:08d}", "tag": campaign.keyword, "content": text,
               "contact": {"name": draft.nominator_name, "phone": national}}
        return tip, json.dumps(tip, ensure_ascii=False).encode(), "qilu-app"
    if channel == Channel.HOTLINE:
        # As the hotline desk stores a call (intake/channels/hotline/adapter.py: log_hotline_call).
        call = {
            "operator": "demo", "call_time": when.isoformat(), "caller_phone": national, "caller_name": draft.nominator_name,
            "kind": "nomination", "notes": draft.deeds, "oral_consent": True,
            "fields": {"nominee_name": draft.nominee_name, "nominee_kind": draft.nominee_kind, "category": draft.category_code,
                       "area": draft.area_code, "place_detail": draft.place_detail},
        }
        return call, None, draft.nominator_phone
    fields = {
        "nominee_name": draft.nominee_name, "nominee_kind": draft.nominee_kind, "category": draft.category_code,
        "area": draft.area_code, "place_detail": draft.place_detail, "deeds": draft.deeds,
        "nominator_name": draft.nominator_name, "nominator_phone": draft.nominator_phone,
        "nominator_email": draft.nominator_email, "consent": "on",
    }
    return {"fields": fields, "demo": True}, None, "demo"


def seed_demo_nominations(*, campaign: Campaign, count: int, seed: int = 2024) -> int:
    """Create up to `count` demo nominations; re-running creates only the missing ones."""
    rng = random.Random(seed)
    now = timezone.now()
    created = 0
    for index in range(1, count + 1):
        channel = _pick(rng, CHANNEL_WEIGHTS)
        draft = demo_draft(rng, campaign)
        when = now - dt.timedelta(minutes=rng.randint(10, 20 * 24 * 60))
        path = _pick(rng, STATE_PATHS)
        external_id = f"demo-{campaign.slug}-{index}"
        if InboundMessage.objects.filter(channel=channel, external_id=external_id).exists():
            continue
        if channel in (Channel.WEBFORM, Channel.HOTLINE):
            # Their raw records carry the consent box or the oral consent, given when the nomination was sent.
            draft = dataclasses.replace(draft, consent_at=when)
        payload, raw_body, sender = _raw_for_channel(channel, draft, campaign, when, index)
        receipt = receive_inbound(
            channel=channel, external_id=external_id, campaign=campaign, sender=sender, payload=payload,
            raw_body=raw_body, received_at=when, is_demo=True, enqueue_processing=False,
        )
        nomination = create_nomination_from_draft(inbound=receipt.inbound, draft=draft)
        set_inbound_status(inbound=receipt.inbound, status=InboundStatus.PROCESSED)
        for state in path:
            set_nomination_state(nomination=nomination, new_state=state, actor=None, reason=REASONS.get(state, "演示数据"))
        created += 1
    return created
