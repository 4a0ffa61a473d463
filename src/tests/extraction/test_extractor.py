"""The extractor on each input shape the issue lists. Messages are written for these tests in the style of
the evaluation set (data/eval/), not copied from it."""
from xuanshu.nominations.extraction.extractor import extract_fields
from xuanshu.nominations.extraction.text import build_view


def nominees(text):
    return extract_fields(text)["nominees"]


def person(name):
    return {"name": name, "is_group": False, "members": []}


def test_a_labelled_message_in_full():
    text = "推荐出彩聊城人\n被推荐人：张桂芳\n所在地：东昌府区古楼街道\n事迹：照顾瘫痪婆婆二十年。\n推荐人：李明 13812341234"
    result = extract_fields(text)
    assert {key: value for key, value in result.items() if key != "spans"} == {
        "version": "rules-6",
        "keyword_found": True,
        "nominees": [person("张桂芳")],
        "category": "good-conduct",
        "place": {
            "county": "dongchangfu", "county_name": "东昌府区", "administrative_county": "dongchangfu", "zone": None,
            "town": "古楼街道", "village": None, "text": "东昌府区古楼街道", "hometown": None,
        },
        "nominator": {"name": "李明", "phones": [{"e164": "+8613812341234", "display": "138 1234 1234"}], "emails": [], "wechat_ids": []},
        "summary": "照顾瘫痪婆婆二十年。",
        "confidence": {"nominees": 0.95, "category": 0.95, "place": 0.9, "nominator": 0.95, "phones": 0.99},
    }
    assert [(span["field"], span["text"]) for span in result["spans"]] == [
        ("keyword", "推荐出彩聊城人"), ("nominees[0].name", "张桂芳"), ("place.county", "东昌府区"), ("place.town", "古楼街道"),
        ("category", "照顾"), ("category", "瘫痪"), ("nominator.name", "李明"), ("nominator.phones[0]", "13812341234"),
    ]


def test_spans_point_into_the_original_text_whatever_was_cleaned():
    text = "推薦出彩聊城人：被推薦人：宋 玉 潔（女），地址：莘縣燕塔街道。推薦人：宋平，電話：１８８ ６３５１ ２３４５"
    result = extract_fields(text)
    assert all(text[span["start"]:span["end"]] == span["text"] for span in result["spans"])
    assert {span["field"]: span["text"] for span in result["spans"] if span["field"] != "category"} == {
        "keyword": "推薦出彩聊城人", "nominees[0].name": "宋 玉 潔", "place.county": "莘縣", "place.town": "燕塔街道",
        "nominator.name": "宋平", "nominator.phones[0]": "１８８ ６３５１ ２３４５",
    }
    assert (result["nominees"], result["nominator"]["phones"]) == (
        [person("宋玉洁")], [{"e164": "+8618863512345", "display": "188 6351 2345"}],
    )


def test_traditional_script_gives_simplified_values():
    result = extract_fields("推薦出彩聊城人 我推薦臨清市康莊鎮的鄉村醫生劉長順，行醫四十年。聯繫人：趙曉燕 13905351234")
    assert (result["nominees"], result["place"]["county"], result["place"]["town"], result["nominator"]["name"]) == (
        [person("刘长顺")], "linqing", "康庄镇", "赵晓燕",
    )


def test_two_nominees_listed_after_a_count():
    text = "推荐出彩聊城人 我推荐两位：一位是冠县贾镇的退休教师马文清，另一位是冠县柳林镇的村医孟凡荣。推荐人：马丽"
    assert nominees(text) == [person("马文清"), person("孟凡荣")]


def test_groups_pairs_families_and_villages():
    assert nominees("推荐出彩聊城人 推荐东阿县的“暖冬”志愿服务队，五年来为环卫工送早餐。") == [
        {"name": "“暖冬”志愿服务队", "is_group": True, "members": []},
    ]
    assert nominees("推荐出彩聊城人 推荐莘县的王立春、赵秀芝夫妇，二人收养孤儿十年。") == [
        {"name": "王立春、赵秀芝夫妇", "is_group": True, "members": ["王立春", "赵秀芝"]},
    ]
    assert nominees("推荐出彩聊城人 推荐阳谷县七级镇的孙守义一家，三代人义务护堤。") == [
        {"name": "孙守义一家", "is_group": True, "members": ["孙守义"]},
    ]
    assert nominees("推荐出彩聊城人 推荐茌平区韩屯镇的前屯村，全村义务巡逻二十年。") == [
        {"name": "前屯村", "is_group": True, "members": []},
    ]


def test_distractors_are_not_nominees():
    text = ("推荐出彩聊城人。我是他的同事王建新。高唐县的公交司机刘长海，上月在车上救下突发疾病的乘客李秀云，"
            "还和同事张强一起把老人送到医院。")
    result = extract_fields(text)
    assert (result["nominees"], result["nominator"]["name"]) == ([person("刘长海")], "王建新")


def test_compound_and_rare_surnames():
    assert nominees("推荐出彩聊城人 被推荐人：上官晓梅，临清市人。") == [person("上官晓梅")]
    assert nominees("推荐出彩聊城人 推荐东阿县的乡村医生尉迟建国，行医三十年。") == [person("尉迟建国")]
    assert nominees("推荐出彩聊城人 被推荐人：储文静，冠县清泉街道。") == [person("储文静")]


def test_honorifics_glued_to_names_are_removed():
    assert nominees("推荐出彩聊城人 推荐我们村的王守田大爷，他义务护林二十年。") == [person("王守田")]
    assert nominees("推荐出彩聊城人 推荐社区的刘桂英阿姨，每天打扫楼道。") == [person("刘桂英")]


def test_cue_words_and_the_role_of_sign_up():
    alone = extract_fields("推荐出彩聊城人\n报名人：郑海波\n事迹：义务献血五十次。\n电话：13396351234")
    beside = extract_fields("推荐出彩聊城人\n报名人：郑海波\n推荐对象：郑长林\n事迹：义务献血五十次。")
    contact = extract_fields("推荐出彩聊城人 被推荐人：钱玉兰。联系人：钱文 13396351234")
    assert [(r["nominees"], r["nominator"]["name"]) for r in (alone, beside, contact)] == [
        ([person("郑海波")], None), ([person("郑长林")], "郑海波"), ([person("钱玉兰")], "钱文"),
    ]


def test_hometown_versus_workplace():
    elsewhere = extract_fields("推荐出彩聊城人 推荐在上海经营物流企业的阳谷籍企业家宋长河，多年来为家乡捐资助学。")
    in_the_city = extract_fields("推荐出彩聊城人 推荐环卫工李秀梅，她老家是冠县的，现在在东昌府区古楼街道工作。")
    assert [(r["place"]["county"], r["place"]["hometown"], r["category"]) for r in (elsewhere, in_the_city)] == [
        ("outside", "yanggu", "hometown"), ("dongchangfu", "guanxian", "good-conduct"),
    ]


def test_functional_zone_is_kept_beside_the_administrative_county():
    place = extract_fields("推荐出彩聊城人 推荐聊城经济技术开发区蒋官屯街道的网格员吴丽。")["place"]
    assert place == {
        "county": "kaifaqu", "county_name": "聊城经济技术开发区", "administrative_county": "dongchangfu",
        "zone": "聊城经济技术开发区", "town": "蒋官屯街道", "village": None, "text": "聊城经济技术开发区蒋官屯街道", "hometown": None,
    }


def test_chiping_is_a_district_under_its_old_name_too():
    assert [extract_fields(f"推荐{name}博平镇的李明亮。")["place"]["county"] for name in ("茌平区", "茌平县", "茌平")] == ["chiping"] * 3


def test_no_contact_at_all():
    nominator = extract_fields("推荐出彩聊城人 高唐县的刘玉芬收养了三个孤儿。")["nominator"]
    assert nominator == {"name": None, "phones": [], "emails": [], "wechat_ids": []}


def test_ocr_noise_spaced_letters_for_digits_and_broken_lines():
    result = extract_fields("推荐出彩聊城人\n被 推 荐 人 : 韩 立 群\n推 荐 人 : 韩 梅 , 电 话 : l38O6351234\n地址:阳谷县\n阿城镇")
    assert (result["nominees"], result["nominator"]["name"], result["nominator"]["phones"][0]["e164"], result["place"]["town"]) == (
        [person("韩立群")], "韩梅", "+8613806351234", "阿城镇",
    )


def test_the_campaign_hotline_quoted_in_a_message_is_not_the_nominators_phone():
    phones = extract_fields("推荐出彩聊城人 看到热线0635-8451234才知道活动。推荐人：陈琳 15106359876")["nominator"]["phones"]
    assert phones == [{"e164": "+8615106359876", "display": "151 0635 9876"}]


def test_contacts_emails_and_wechat_ids():
    nominator = extract_fields("推荐出彩聊城人 推荐人：鲍丽，邮箱：ｂａｏｌｉ＠１６３．ｃｏｍ，微信号：baoli_2024")["nominator"]
    assert (nominator["emails"], nominator["wechat_ids"]) == (["baoli@163.com"], ["baoli_2024"])


def test_summary_is_at_most_120_characters_and_keeps_chinese_punctuation():
    deeds = "她每天清晨五点起床，为社区孤寡老人送去热腾腾的早餐，" * 8
    summary = extract_fields(f"推荐出彩聊城人 被推荐人：李红。事迹：{deeds}")["summary"]
    assert (len(summary) <= 120, summary.startswith("她每天清晨五点起床，"), "," in summary) == (True, True, False)


def test_the_summary_drops_what_is_left_of_the_keyword_and_keeps_brackets_as_written():
    # QA: the keyword's hashtags and brackets were left in the summary (# #, 【 】) and a full-width pair came out half
    # full-width: （1/3) for （1/3）.
    summaries = {
        "#推荐出彩聊城人# 临清市的韩玉珍办起了免费的“四点半课堂”。": "临清市的韩玉珍办起了免费的“四点半课堂”。",
        "#推荐出彩聊城人#周明勇救落水儿童，阳谷县七级镇人。": "周明勇救落水儿童，阳谷县七级镇人。",
        "＃推荐出彩聊城人＃ 周明勇救落水儿童。": "周明勇救落水儿童。",
        "#推荐出彩聊城人 周明勇救落水儿童。": "周明勇救落水儿童。",
        "【推荐出彩聊城人】马丽多年照料孤寡老人，家住临清市青年路街道。": "马丽多年照料孤寡老人，家住临清市青年路街道。",
        "【 推荐出彩聊城人 】 马丽多年照料孤寡老人。": "马丽多年照料孤寡老人。",
        "【#推荐出彩聊城人#】马丽多年照料孤寡老人。": "马丽多年照料孤寡老人。",
        "「推荐出彩聊城人」马丽多年照料孤寡老人。": "马丽多年照料孤寡老人。",
        "（推荐出彩聊城人）马丽多年照料孤寡老人。": "马丽多年照料孤寡老人。",
        "王秀兰照顾瘫痪婆婆二十年，推荐出彩聊城人。": "王秀兰照顾瘫痪婆婆二十年。",
        "各位编辑好！推荐出彩聊城人！王秀兰照顾瘫痪婆婆二十年。": "各位编辑好！王秀兰照顾瘫痪婆婆二十年。",
        "推荐 出彩 聊城人 Li Ming推荐出彩聊城人 2024年照顾婆婆。": "Li Ming 2024年照顾婆婆。",
        "我推荐阳谷县的赵铁柱（1/3）：他是一名退伍军人，八年来义务巡河。": "我推荐阳谷县的赵铁柱（1/3）：他是一名退伍军人，八年来义务巡河。",
        "推荐出彩聊城人 推荐以下两位：（1）马文清（2）孟凡荣，都是冠县的志愿者。": "推荐以下两位：（1）马文清（2）孟凡荣，都是冠县的志愿者。",
        "推荐出彩聊城人 王秀兰(东昌府区)照顾瘫痪婆婆(1/3)": "王秀兰(东昌府区)照顾瘫痪婆婆(1/3)",
        "推荐出彩聊城人 王秀兰照顾瘫痪婆婆(1/3）": "王秀兰照顾瘫痪婆婆（1/3）",
        # an empty pair the contacts leave, or the citizen typed, goes; a # of the citizen's own stays
        "推荐出彩聊城人 王秀兰（13812345678）照顾瘫痪婆婆【】二十年。": "王秀兰照顾瘫痪婆婆二十年。",
        "推荐出彩聊城人 王秀兰住在3#楼，照顾瘫痪婆婆二十年。": "王秀兰住在3#楼，照顾瘫痪婆婆二十年。",
        "推荐出彩聊城人 被推荐人：李红。事迹：照顾瘫痪婆婆二十年，被评为“好媳妇”。": "照顾瘫痪婆婆二十年，被评为“好媳妇”。",
    }
    assert {text: extract_fields(text)["summary"] for text in summaries} == summaries


def test_group_members_are_named_outside_the_groups_own_name():
    # QA: 蓝天 of 聊城市蓝天救援队 was listed as a member (蓝 read as a surname). An organisation's or a village's name
    # names no member; its members are the people named by their part in it (队长王强, 队员…), a family's also by
    # kinship (妻子李红梅); a pair's or a family's name is made of its members' names.
    groups = {
        "推荐出彩聊城人 推荐东昌府区的蓝天志愿服务队，多年帮扶困难群众。": ("蓝天志愿服务队", []),
        # nor is the group's name a person's name run into the deeds (蓝天 + 救…)
        "推荐出彩聊城人 推荐东昌府区的蓝天救援队，队长王强带领队员多年参与防汛抢险。": ("蓝天救援队", ["王强"]),
        "推荐出彩聊城人 蓝天救援队多年参与防汛抢险。": ("蓝天救援队", []),
        "推荐出彩聊城人：蓝天救援队，多年参与防汛抢险。": ("蓝天救援队", []),
        "推荐出彩聊城人 推荐东昌府区蓝天志愿服务队，队长王强带领队员每周到敬老院为老人理发。": (
            "东昌府区蓝天志愿服务队",
            ["王强"],
        ),
        "推荐出彩聊城人：聊城市蓝天救援队，队长王强带领队员连夜转移被困群众三百多人。": ("聊城市蓝天救援队", ["王强"]),
        "推荐出彩聊城人 推荐聊城市蓝天救援队，由队长王强、副队长刘洋带队，多次参与防汛抢险。": (
            "聊城市蓝天救援队",
            ["王强", "刘洋"],
        ),
        "推荐出彩聊城人 推荐冠县的“蓝天”巾帼志愿服务队，队长孙丽、队员刘芳和赵敏常年为留守老人送饭。": (
            "“蓝天”巾帼志愿服务队",
            ["孙丽", "刘芳", "赵敏"],
        ),
        "推荐出彩聊城人 被推荐集体：东昌府区蓝天志愿服务队\n负责人：王强\n事迹：多年帮扶困难群众。": (
            "东昌府区蓝天志愿服务队",
            ["王强"],
        ),
        "推荐出彩聊城人 推荐阳谷县七级镇的张庄村，村里办起了互助养老院。": ("张庄村", []),
        "推荐出彩聊城人 推荐莘县的王德胜一家，妻子李红梅、儿子王强都是志愿者。": ("王德胜一家", ["王德胜", "李红梅", "王强"]),
        "推荐出彩聊城人 推荐冠县甘官屯镇的「三代教师之家」——甘家。爷爷甘永年、父亲甘建国、女儿甘露都是乡村教师。": (
            "甘家",
            ["甘永年", "甘建国", "甘露"],
        ),
        # not members: a rescued child, the contact person, a relative the family cares for
        "推荐出彩聊城人 推荐临清市蓝天救援队，他们在卫运河救起落水儿童张明。联系人：孙队长 18663598765": ("临清市蓝天救援队", []),
        "推荐出彩聊城人 推荐高新区的“爱心车队”，免费接送高考生。联系人：车队队长 苗建国 13863578901": ("“爱心车队”", []),
        "推荐出彩聊城人 推荐阳谷县的李金生一家，李金生的父亲李大山瘫痪在床十五年，全家轮流照顾。": ("李金生一家", ["李金生"]),
        # must stay: a pair's and a family's members are the names that make its name
        "推荐出彩聊城人 推荐莘县的王立春、赵秀芝夫妇，二人收养孤儿十年。": ("王立春、赵秀芝夫妇", ["王立春", "赵秀芝"]),
        "推荐出彩聊城人 推荐莘县观城镇的王德胜家庭，一家五口都是志愿者。": ("王德胜家庭", ["王德胜"]),
    }
    assert {text: nominees(text) for text in groups} == {
        text: [{"name": name, "is_group": True, "members": members}] for text, (name, members) in groups.items()
    }


def test_empty_and_hostile_input_gives_an_empty_reading():
    for text in ("", "   ", "\x00\ufffd" * 50, "<script>alert(1)</script>"):
        result = extract_fields(text)
        assert (result["nominees"], result["place"]["county"], result["nominator"]["phones"]) == ([], None, [])


def test_view_offsets_survive_joined_lines_and_squeezed_spaces():
    view = build_view("推荐阳谷县\n西湖镇的赵\n秀英")
    start = view.text.index("赵秀英")
    assert (view.text, view.original_slice(start, start + 3)) == ("推荐阳谷县西湖镇的赵秀英", "赵\n秀英")


def test_a_name_run_straight_into_the_deeds_is_the_nominee():
    # QA: with no colon or space after the keyword, the head of the whole clause was taken (顾老人, 公益, 张伟见).
    messages = {
        "推荐出彩聊城人王秀兰照顾老人": ["王秀兰"],
        "推荐出彩聊城人孙红热心公益，常年义务为社区老人理发。": ["孙红"],
        "推荐出彩聊城人 黄强自费修路，方便村民出行。": ["黄强"],
        "推荐出彩聊城人张伟见义勇为，跳进徒骇河救起落水儿童。": ["张伟"],
        "推荐出彩聊城人覃洋二十年如一日照顾瘫痪的婆婆": ["覃洋"],
        "推荐出彩聊城人欧阳明多年资助贫困学生": ["欧阳明"],
        "#推荐出彩聊城人#周明勇救落水儿童，阳谷县七级镇人。": ["周明"],
        "推荐出彩聊城人 推荐王秀兰热心公益，帮助孤寡老人十多年。": ["王秀兰"],
        "推荐出彩聊城人临清市的王秀兰照顾老人": ["王秀兰"],
        "推荐出彩聊城人刘桂英阿姨每天为环卫工人烧开水": ["刘桂英"],
        "推荐出彩聊城人王大爷默默奉献，义务打扫村里的街道十几年。": ["王大爷"],
        "推荐出彩聊城人王秀兰和李建国多年来坚持义务巡河": ["王秀兰", "李建国"],
    }
    assert {text: [n["name"] for n in nominees(text)] for text in messages} == messages


def test_a_group_run_straight_into_the_deeds_stays_a_group():
    assert nominees("推荐出彩聊城人李金生一家三代义务护堤") == [{"name": "李金生一家", "is_group": True, "members": ["李金生"]}]
    assert nominees("推荐出彩聊城人 刘洪亮、崔玉兰夫妇多年收养孤儿") == [
        {"name": "刘洪亮、崔玉兰夫妇", "is_group": True, "members": ["刘洪亮", "崔玉兰"]},
    ]
    assert nominees("推荐出彩聊城人东阿县志愿者协会多年帮扶困难群众") == [{"name": "东阿县志愿者协会", "is_group": True, "members": []}]


def test_groups_named_with_hui_or_she_are_groups_and_a_modal_hui_is_not_a_group():
    group = {
        "推荐出彩聊城人 推荐东昌府区的“书香”读书会，十年来为留守儿童读书。": "“书香”读书会",
        "推荐出彩聊城人东阿县读书会多年为留守儿童义务讲故事": "东阿县读书会",
        "推荐出彩聊城人 推荐临清市红白理事会，倡导移风易俗。": "临清市红白理事会",
        "推荐出彩聊城人 推荐冠县的老年互助会，十多年照顾孤寡老人。": "老年互助会",
        "推荐出彩聊城人 推荐莘县的爱心服务社，为环卫工送早餐。": "爱心服务社",
        "推荐出彩聊城人 推荐高唐县的果蔬合作社，带动乡亲致富。": "果蔬合作社",
        "推荐出彩聊城人 被推荐集体：临清市烟店镇红白理事会": "临清市烟店镇红白理事会",
    }
    assert {text: nominees(text) for text in group} == {
        text: [{"name": name, "is_group": True, "members": []}] for text, name in group.items()}
    # 会 as a modal or in 学会 (learned), and the 会长 or 社 of someone's post: the nominee is the person.
    person_ = {
        "推荐出彩聊城人张三会修车，常年免费给村民修车。": "张三",
        "推荐出彩聊城人王秀兰会做饭，常年给孤寡老人送饭。": "王秀兰",
        "推荐出彩聊城人张三学会修车后免费帮村民": "张三",
        "推荐出彩聊城人 推荐王秀兰，她学会了手语。": "王秀兰",
        "推荐出彩聊城人李会芳照顾瘫痪婆婆二十年": "李会芳",
        "推荐出彩聊城人聊城市读书会会长王秀兰多年为孩子讲故事": "王秀兰",
        "推荐出彩聊城人东阿县志愿者协会会长王秀兰多年帮扶困难群众": "王秀兰",
        "推荐出彩聊城人 推荐旅行社的导游刘洋。": "刘洋",
        "推荐出彩聊城人 推荐刘洋，他是报社记者。": "刘洋",
    }
    assert {text: nominees(text) for text in person_} == {text: [person(name)] for text, name in person_.items()}


def test_words_and_possessives_before_the_deeds_are_not_names():
    # 常年 starts like a name (常 is a surname) and is followed by 照顾; 王秀兰的儿子 is someone else's son.
    assert nominees("推荐出彩聊城人常年照顾老人的刘桂英，东昌府区人。") == [person("刘桂英")]
    assert nominees("推荐出彩聊城人王秀兰的儿子李强在外地工作") == [person("王秀兰")]
    assert nominees("推荐出彩聊城人 王秀兰和李建国两位志愿者，多年来坚持义务巡河。") == [person("王秀兰"), person("李建国")]


def test_surnames_that_are_also_words_make_names_where_a_name_is_expected():
    # QA: 万 (weak: 万元 万一) and 方军 (a noun in jieba's dictionary) were never read as names in a clause.
    messages = {
        "推荐出彩聊城人万洋照顾瘫痪的岳母十二年": ["万洋"],
        "推荐出彩聊城人方军自费修路，方便村里老人出行。": ["方军"],
        "推荐出彩聊城人 阳谷县的方军见义勇为，救起两名落水儿童。": ["方军"],
        "推荐出彩聊城人 推荐万洋和方军，他们义务巡河八年。": ["万洋", "方军"],
        "推荐出彩聊城人李强多年义务献血": ["李强"],
    }
    assert {text: [n["name"] for n in nominees(text)] for text in messages} == messages


def test_words_that_start_with_a_weak_surname_or_look_like_names_stay_words():
    messages = {
        "推荐出彩聊城人万一有困难，李建国总是第一个帮忙。": ["李建国"],
        "推荐出彩聊城人高中毕业后回乡创业的王秀兰": ["王秀兰"],
        "推荐出彩聊城人 推荐东阿县的王秀兰，她捐出十万元方便孩子上学。": ["王秀兰"],
        "推荐征集已截止，来信已保存": [],
        "推荐出彩聊城人王家三代义务护堤": [],
    }
    assert {text: [n["name"] for n in nominees(text)] for text in messages} == messages


def test_a_name_is_never_cut_out_of_a_word():
    # QA: 伍 (a surname) ends 退伍, so 退伍军人 and 退伍老兵 were read as the names 伍军人 and 伍老兵.
    messages = {
        "我推荐阳谷县的赵铁柱（1/3）：他是一名退伍军人，多年义务巡河。": ["赵铁柱"],
        "我推荐阳谷县的赵铁柱：他是一名退伍军人，多年义务巡河。": ["赵铁柱"],
        "推荐出彩聊城人 我推荐临清市的武卫东：他是一名退伍老兵，二十年义务挑水送菜。": ["武卫东"],
        "推荐出彩聊城人：他是一名退伍军人，名叫赵铁柱，多年义务巡河。": ["赵铁柱"],
        # must stay: a role noun before the name, 武 as a surname, 他是 without a colon
        "我推荐一名退伍军人赵铁柱，他多年义务巡河。": ["赵铁柱"],
        "推荐阳谷县的武卫东（1/3）：他是一名军人。": ["武卫东"],
        "我推荐阳谷县的赵铁柱，他是一名退伍军人，多年义务巡河。": ["赵铁柱"],
    }
    assert {text: [n["name"] for n in nominees(text)] for text in messages} == messages


def test_a_surname_with_a_title_is_the_name_when_no_full_name_is_given():
    # QA: 师 is a surname, so 马老师 was read as the familiar 老 + 师 (老李), giving 老师 alone.
    messages = {
        "推荐出彩聊城人 高唐县的马老师，在乡村小学教书三十年。": ["马老师"],
        "高唐县的马老师": ["马老师"],
        "推荐阳谷县的马老师：她是一名退伍军人。": ["马老师"],
        # must stay
        "推荐出彩聊城人 东阿县的马医生，几十年如一日为村民看病。": ["马医生"],
        "推荐出彩聊城人 莘县的张师傅，免费为老人修车。": ["张师傅"],
        "推荐出彩聊城人 冠县的李阿姨，照顾孤寡老人。": ["李阿姨"],
        "推荐出彩聊城人 临清市的刘大爷，义务打扫街道十年。": ["刘大爷"],
        "推荐出彩聊城人 我们村的老李，每天义务打扫街道。": ["老李"],
        "推荐冠县的张师傅：他是一名司机，名叫张兵。": ["张兵"],
    }
    assert {text: [n["name"] for n in nominees(text)] for text in messages} == messages


def test_a_part_marker_or_a_pronoun_after_a_colon_ends_the_nominee_phrase():
    # （1/3）, 【1】: a message sent in parts. 推荐X：她是… is about X, not a list after the colon.
    messages = {
        "推荐出彩聊城人 莘县的张师傅【1】他是一名志愿者，免费为老人修理家电。": ["张师傅"],
        "推荐冠县的张红：她是一名武警战士的母亲。": ["张红"],
        # must stay
        "我推荐茌平区的王建国（2/3）：他是一名退休教师，义务辅导学生。": ["王建国"],
        "我推荐茌平区的王建国【1】他是一名退伍老兵，义务宣讲。": ["王建国"],
        "推荐出彩聊城人 莘县的孙志强（1/2）他是一名志愿者，长期照顾老人。": ["孙志强"],
        "我推荐临清市的李阿姨（1/2）：她是一名志愿者。": ["李阿姨"],
        "推荐两位网格员：孟凡英和徐立刚": ["孟凡英", "徐立刚"],
        "推荐两位网格员：他们是孟凡英和徐立刚": ["孟凡英", "徐立刚"],
        "推荐两位：（1）冠县的马文清，（2）柳林镇的孟凡荣。": ["马文清", "孟凡荣"],
        # 【1】【2】 after a count is a list, as （1）（2） is
        "推荐两位【1】马文清【2】孟凡荣": ["马文清", "孟凡荣"],
    }
    assert {text: [n["name"] for n in nominees(text)] for text in messages} == messages


def test_an_enumeration_after_a_count_lists_every_nominee_with_or_without_a_colon():
    # QA: 推荐以下两位（1）马文清（2）孟凡荣 gave only 孟凡荣, the head of the whole phrase; each item now ends at the next
    # marker of its kind, colon or not.
    messages = {
        "推荐以下两位（1）马文清（2）孟凡荣，都是冠县的志愿者。": ["马文清", "孟凡荣"],
        "推荐以下两位：（1）马文清（2）孟凡荣，都是冠县的志愿者。": ["马文清", "孟凡荣"],
        "推荐以下两位(1)马文清(2)孟凡荣": ["马文清", "孟凡荣"],
        "推荐以下三位①马文清②孟凡荣③孙丽，都是冠县的志愿者。": ["马文清", "孟凡荣", "孙丽"],
        "推荐以下两位⑴马文清⑵孟凡荣": ["马文清", "孟凡荣"],
        "推荐两位好人1.马文清2.孟凡荣，都是冠县的志愿者。": ["马文清", "孟凡荣"],
        "推荐以下两位一、马文清二、孟凡荣": ["马文清", "孟凡荣"],
        "推荐出彩聊城人 推荐以下两位（1）冠县的马文清（2）柳林镇的孟凡荣": ["马文清", "孟凡荣"],
        "推荐以下人员（1）马文清（2）孟凡荣": ["马文清", "孟凡荣"],
        # must stay
        "推荐两位：（1）冠县的马文清，（2）柳林镇的孟凡荣。": ["马文清", "孟凡荣"],
        "推荐两位【1】马文清【2】孟凡荣": ["马文清", "孟凡荣"],
        "推荐出彩聊城人 我推荐两位：一位是冠县贾镇的退休教师马文清，另一位是冠县柳林镇的村医孟凡荣。": ["马文清", "孟凡荣"],
        "推荐出彩聊城人 推荐冠县的马文清（1/2）他是一名志愿者。": ["马文清"],
        # a name ending in a numeral before 、 is not the next item of a list in brackets
        "推荐以下两位（1）张三、李四夫妇（2）孟凡荣": ["张三、李四夫妇", "孟凡荣"],
        # nor does it open a list, which counts from 1; 2.5万元 is no item
        "推荐出彩聊城人 推荐两位老人张三、李四": ["张三", "李四"],
        "推荐出彩聊城人 推荐张三、李四、王五三位老人": ["张三", "李四", "王五"],
        "推荐两位老人：马文清和孟凡荣，2.5万元积蓄全部捐出。": ["马文清", "孟凡荣"],
    }
    assert {text: [n["name"] for n in nominees(text)] for text in messages} == messages


def test_a_plural_pronoun_before_the_names_is_not_part_of_a_group_name():
    # QA: 他们是… after the colon was read into a group's name (他们是聊城市蓝天救援队), 他俩 was read as a group, and
    # 两人 (a count, not a pair) made 推荐张景春和王玉兰，两人… one group.
    two = [person("张景春"), person("王玉兰")]
    people = {
        "推荐出彩聊城人：他们是张景春和王玉兰，两人多年照顾孤寡老人。": two,
        "推荐出彩聊城人：他俩是张景春和王玉兰，多年照顾孤寡老人。": two,
        "推荐出彩聊城人：她们是张景春、王玉兰，多年照顾孤寡老人。": two,
        "推荐出彩聊城人 推荐张景春和王玉兰，两人多年照顾孤寡老人。": two,
        "推荐出彩聊城人 推荐张景春、王玉兰，二人多年照顾孤寡老人。": two,
        "推荐出彩聊城人 推荐东昌府区的两位老人：他们是张景春和王玉兰，两人多年照顾孤寡老人。": two,
    }
    assert {text: nominees(text) for text in people} == people
    # An organisation's own name names no member (蓝天 of 蓝天救援队 is no person's name).
    groups = {
        "推荐出彩聊城人：他们是聊城市蓝天救援队，多年参与防汛抢险。": "聊城市蓝天救援队",
        "推荐出彩聊城人：他们是东昌府区志愿者协会，多年帮扶困难群众。": "东昌府区志愿者协会",
        # must stay: a real group's name
        "推荐出彩聊城人：聊城市蓝天救援队，多年参与防汛抢险。": "聊城市蓝天救援队",
        "推荐出彩聊城人：东昌府区志愿者协会，多年帮扶困难群众。": "东昌府区志愿者协会",
        "推荐出彩聊城人 推荐我们村的志愿服务队，多年帮扶困难群众。": "志愿服务队",
    }
    assert {text: nominees(text) for text in groups} == {
        text: [{"name": name, "is_group": True, "members": []}] for text, name in groups.items()
    }
    pairs = {
        "推荐出彩聊城人：他们是张景春、王玉兰夫妇，多年照顾孤寡老人。": "张景春、王玉兰夫妇",
        # must stay: a pair presented as one
        "推荐出彩聊城人 推荐临清市的吴秀兰和她的儿子王磊，母子俩照顾瘫痪的邻居十年。": "吴秀兰和她的儿子王磊",
        "推荐出彩聊城人 推荐一对老夫妻：张景春和王玉兰，两人多年照顾孤寡老人。": "张景春和王玉兰",
        "推荐出彩聊城人 推荐一对老夫妻：他们是张景春和王玉兰，两人多年照顾孤寡老人。": "张景春和王玉兰",
    }
    members = {"张景春、王玉兰夫妇": ["张景春", "王玉兰"], "吴秀兰和她的儿子王磊": ["吴秀兰", "王磊"], "张景春和王玉兰": ["张景春", "王玉兰"]}
    assert {text: nominees(text) for text in pairs} == {
        text: [{"name": name, "is_group": True, "members": members[name]}] for text, name in pairs.items()}
