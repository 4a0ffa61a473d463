"""Synthetic nominations for the duplicate-finder benchmark and tests, with the true nominee of each one known.

People get one to dozens of nominations from different nominators: paraphrases of their story, some in
traditional script, some with a homophone typo in the surname or an honorific glued to the name, some
without a county or town. Names are drawn from common surnames and given names, so namesakes abound.
"""
import random
from dataclasses import dataclass

import opencc

SURNAMES = (list("王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤单区仇翟解")
            + ["欧阳", "司马", "上官", "皇甫", "诸葛", "尉迟"])
HOMOPHONE_SURNAMES = {"曾": "增", "单": "善", "区": "欧", "仇": "邱", "翟": "宅", "解": "谢", "王": "汪", "李": "黎", "张": "章", "徐": "许"}
GIVEN_FIRST = list("建国志海春秀玉德振文晓立红丽淑凤保长宝明金永桂秋俊子浩雨欣梦思佳家嘉宏伟新天云")
GIVEN_SECOND = list("国华强军平芳英兰梅燕霞娟玲敏静磊涛斌勇刚杰峰林山宁然涵轩怡琪阳东生荣福")
GIVEN_SINGLE = list("伟静敏磊洋勇艳杰娟涛明超秀霞平刚桂英华玉兰芳军")
HONORIFICS = ["大爷", "阿姨", "老师", "师傅", "大姐"]
GROUP_PREFIXES = ["春晖", "向阳", "明德", "同心", "暖阳", "星火", "善行", "红烛", "益行", "阳光", "绿荫", "金秋", "凤凰", "水城",
                  "运河", "古楼", "光岳", "东岳", "鲁西", "凤鸣", "长青", "爱心", "晨曦", "启航", "大爱", "仁和", "正义", "清风"]
GROUP_TYPES = ["救援队", "志愿服务队", "妈妈团", "巾帼志愿者协会", "巡河队", "孝善理事会", "退役军人志愿服务队", "青年突击队",
               "宣讲团", "车队", "助残服务社", "应急救援志愿队", "文明实践志愿队", "服务队", "读书会", "扶贫帮困协会", "义工联合会",
               "互助会", "巡逻队"]
AREAS = {
    "dongchangfu": ("东昌府区", ["古楼街道", "柳园街道", "新区街道", "闫寺街道", "沙镇镇"]),
    "chiping": ("茌平区", ["振兴街道", "博平镇", "韩屯镇", "乐平铺镇"]),
    "linqing": ("临清市", ["青年路街道", "先锋路街道", "烟店镇", "尚店镇"]),
    "yanggu": ("阳谷县", ["博济桥街道", "阿城镇", "石佛镇", "七级镇"]),
    "shenxian": ("莘县", ["燕塔街道", "张鲁回族镇", "朝城镇", "古云镇"]),
    "donge": ("东阿县", ["铜城街道", "刘集镇", "姜楼镇", "鱼山镇"]),
    "guanxian": ("冠县", ["清泉街道", "柳林镇", "店子镇", "辛集镇"]),
    "gaotang": ("高唐县", ["鱼邱湖街道", "琉璃寺镇", "清平镇", "尹集镇"]),
    "kaifaqu": ("聊城经济技术开发区", ["蒋官屯街道", "北城街道"]),
    "gaoxinqu": ("聊城高新技术产业开发区", ["许营镇", "顾官屯镇"]),
    "dujiaqu": ("江北水城旅游度假区", ["于集镇", "朱老庄镇"]),
}
SUBJECTS = ["瘫痪在床的婆婆", "年迈的父母", "智力残疾的弟弟", "孤寡老人", "留守儿童", "困难学生", "残疾人", "环卫工人", "独居老人",
            "落水儿童", "失独老人", "病重的丈夫", "受伤的工友", "走失的老人", "被困的司机", "高考学生", "贫困户", "抗战老兵"]
PLACES = ["徒骇河", "金堤河", "马颊河", "卫运河", "黄河大堤", "小运河", "东昌湖", "鱼山", "光岳楼", "高速公路", "国道", "菜市场",
          "敬老院", "福利院", "中心小学", "卫生院", "火车站", "工业园", "蔬菜大棚", "养殖场"]
TRADES = ["轴承", "钢管", "棉纺", "蔬菜", "木业", "电缆", "新能源电池", "食用菌", "肉鸭", "阿胶", "葫芦", "柳编", "铜管", "板材"]
ACTIONS = [
    "照顾{s}", "义务为{s}理发送饭", "资助{s}上学", "在{p}跳入水中救起{s}", "为{s}免费看病送药", "在{p}坚持无偿献血",
    "创办{t}企业带动群众就业", "攻克{t}精密加工关键技术", "获得{t}发明专利", "在全国锦标赛上夺得金牌", "回乡捐资修路建校",
    "组建义务消防队扑救{p}火灾", "每天清晨在{p}巡查清理垃圾", "在{p}的疫情一线坚守", "在{p}转移被困群众",
    "在{p}开办公益书屋", "带领村民发展{t}产业", "教乡亲们直播卖{t}", "在{p}调解邻里纠纷", "免费接送{s}",
    "在{p}拾金不昧归还现金", "为{s}辅导功课", "冲进{p}火场抢救群众财产", "在{p}用灭火器扑火救出{s}", "成立{t}合作社",
]
FILLERS = ["街坊邻居有口皆碑", "大家都很感激", "是我们学习的榜样", "从不计较个人得失", "事迹非常感人", "值得宣传",
           "群众交口称赞", "默默奉献不求回报", "这样的好人应该被看见", ""]
CHANNELS = ["webform", "wechat", "email", "api", "hotline"]


@dataclass(frozen=True)
class SyntheticNomination:
    person: int  # the true nominee
    name: str
    kind: str
    area_code: str | None
    place: str
    deeds: str
    channel: str


def _story(rng: random.Random) -> list[str]:
    return [
        rng.choice(ACTIONS).format(s=rng.choice(SUBJECTS), p=rng.choice(PLACES), t=rng.choice(TRADES))
        for _ in range(4)
    ]


def _retell(rng: random.Random, name: str, story: list[str]) -> str:
    clauses = rng.sample(story, k=rng.randint(2, 4))
    return f"{name}{'，'.join(clauses)}，{rng.choice(FILLERS)}。"


def generate(count: int, seed: int = 11) -> list[SyntheticNomination]:
    """`count` nominations of about count/2.2 people, in arrival order."""
    rng = random.Random(seed)
    to_traditional = opencc.OpenCC("s2t")
    nominations: list[SyntheticNomination] = []
    person = 0
    while len(nominations) < count:
        person += 1
        is_group = rng.random() < 0.15
        area_code = rng.choice(list(AREAS))
        county, towns = AREAS[area_code]
        town = rng.choice(towns)
        if is_group:
            core = rng.choice(GROUP_PREFIXES) + rng.choice(GROUP_TYPES)
            names = [core, county + core, "聊城市" + county + core, town + core]
        else:
            surname = rng.choices(SURNAMES, weights=[max(1, 60 - i) for i in range(len(SURNAMES))])[0]
            given = rng.choice(GIVEN_SINGLE) if rng.random() < 0.2 else rng.choice(GIVEN_FIRST) + rng.choice(GIVEN_SECOND)
            names = [surname + given]
            if surname in HOMOPHONE_SURNAMES:
                names.append(HOMOPHONE_SURNAMES[surname] + given)
        story = _story(rng)
        times = 1 + min(int(rng.expovariate(1 / 1.2)), 60)
        if rng.random() < 0.01:
            times += rng.randint(20, 200)  # a nominee whose supporters rallied
        for _ in range(times):
            name = names[0] if rng.random() < 0.85 else rng.choice(names)
            if not is_group and rng.random() < 0.05:
                name += rng.choice(HONORIFICS)
            if rng.random() < 0.1:
                name = to_traditional.convert(name)
            nominations.append(SyntheticNomination(
                person=person, name=name, kind="group" if is_group else "individual",
                area_code=None if rng.random() < 0.15 else area_code,
                place="" if rng.random() < 0.3 else town + rng.choice(["", "某社区", "某村"]),
                deeds=_retell(rng, name, story), channel=rng.choice(CHANNELS),
            ))
    rng.shuffle(nominations)
    return nominations[:count]


def insert_synthetic(campaign, nominations: list[SyntheticNomination], *, prefix: str = "SYN", batch: int = 5000) -> list[int]:
    """Bulk-insert raw messages and nominations for benchmarks and tests (services bypassed for speed).

    Returns the nomination ids in the order given; they arrive one minute apart in that order.
    """
    import datetime as dt

    from django.utils import timezone

    from xuanshu.intake.models import InboundMessage
    from xuanshu.nominations.models import Nomination
    from xuanshu.nominations.search import fill_search_columns

    areas = dict(campaign.areas.values_list("code", "id"))
    start = timezone.now() - dt.timedelta(minutes=len(nominations) + 1)
    ids: list[int] = []
    for offset in range(0, len(nominations), batch):
        chunk = nominations[offset:offset + batch]
        inbound = InboundMessage.objects.bulk_create([
            InboundMessage(
                campaign=campaign, channel=item.channel, external_id=f"{prefix}-{offset + i}", payload={"deeds": item.deeds},
                received_at=start + dt.timedelta(minutes=offset + i), status="processed",
                reference=f"{prefix}-{offset + i:07d}",
            )
            for i, item in enumerate(chunk)
        ])
        created = Nomination.objects.bulk_create([
            fill_search_columns(Nomination(
                campaign=campaign, reference=message.reference, inbound=message, channel=message.channel,
                received_at=message.received_at, nominee_name=item.name, nominee_kind=item.kind,
                area_id=areas.get(item.area_code) if item.area_code else None, place_detail=item.place, deeds=item.deeds,
            ))
            for message, item in zip(inbound, chunk)
        ])
        ids.extend(nomination.pk for nomination in created)
    return ids
