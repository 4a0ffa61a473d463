"""The voting fixtures (an open ballot of twelve candidates, voters, the Redis store, a fake of WeChat's OAuth
server) for the candidate pages."""
from tests.intake.wechat.conftest import wechat_api  # noqa: F401 (the local fake of Tencent's API)
from tests.voting.conftest import candidates, make_voter, open_campaign, redis_db, store_kind  # noqa: F401
from tests.voting.test_wechat_oauth import fake_wechat  # noqa: F401
