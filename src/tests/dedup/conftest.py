"""Dedup fixtures: nominations created the way channels create them, with the after-commit pipeline run."""
import pytest

# Deeds of the same two people, told by different nominators (from the labelled set, data/labelled_pairs.toml).
GUIFANG_WEBFORM = "张桂芳二十年如一日照顾瘫痪在床的婆婆，端水喂饭、擦身翻身从不叫苦，还常年义务为社区老人理发，街坊邻居有口皆碑。"
GUIFANG_WECHAT = "张桂芳照顾瘫痪的婆婆整整二十年，无怨无悔。她还经常义务给社区的老人理发，是大家公认的好媳妇。"
DESHENG_CITY = "刘德胜在城区创业成功后不忘家乡莘县，先后捐资八十万元为古云镇修路建校，还把蔬菜深加工项目带回老家。"
DESHENG_HOME = "我们古云镇走出去的刘德胜，在城里开公司，这些年给村里修了路、建了小学，还回来投资建了蔬菜加工厂，乡亲们在家门口就能打工。"
WEI_DONATES = "张伟坚持无偿献血二十年，累计献血一百多次，还组织成立了单位的志愿者服务队，经常去福利院看望孩子。"
WEI_FACTORY = "张伟创办的轴承企业年产值过亿元，他设立助学基金，每年资助烟店镇考上大学的贫困学生。"


@pytest.fixture
def nominate(make_nomination, django_capture_on_commit_callbacks):
    """Create a nomination and run what its commit triggers (assignment to a nominee)."""

    def make(**fields):
        with django_capture_on_commit_callbacks(execute=True):
            return make_nomination(**fields)

    return make


@pytest.fixture
def edit(django_capture_on_commit_callbacks):
    """An editor's correction through the nominations service, with its after-commit reactions run."""
    from xuanshu.nominations.services import update_nomination_fields

    def change(nomination, actor, **changes):
        with django_capture_on_commit_callbacks(execute=True):
            return update_nomination_fields(nomination=nomination, actor=actor, changes=changes, reason="更正")

    return change
