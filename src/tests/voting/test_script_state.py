"""The vote script's velocity state: packed binary, and a text state from an earlier script version still read."""
import struct

import pytest

from tests.voting.helpers import vote

pytestmark = pytest.mark.django_db


def test_a_text_velocity_state_left_by_an_earlier_script_is_read_and_rewritten_packed(redis_db, config, candidates, make_voter):
    candidate = candidates[0].pk
    now = 1_790_000_000.0  # inside no window: set the minute and hour by hand below
    minute, hour = int(now // 60), int(now // 3600)
    # m, cnt, pc, acc, mu, var, h, hc, phc, sp, age: 7 accepted votes this minute, 40 this hour, a baseline of 2.5
    text_state = f"{minute},7,3,7,2.5,1.25,{hour},40,35,-2,90"
    redis_db.set(f"v{config.campaign_id}:vel:{candidate}", text_state)
    config = type(config)(**{**config.__dict__, "starts_at": now - 3600, "ends_at": now + 3600})
    outcome = vote(config, make_voter(), candidate, now=now + 1)
    assert outcome.decisions[0][1] == "accepted"
    packed = redis_db.get(f"v{config.campaign_id}:vel:{candidate}")
    assert packed[:1] == b"\x01"
    m, cnt, pc, acc, mu, var, h, hc, phc, sp, age = struct.unpack("<11d", packed[1:])
    # the text state was taken up: this vote is the eighth of the minute and the 41st of the hour
    assert (m, cnt, acc, mu, var, h, hc, phc, age) == (minute, 8, 8, 2.5, 1.25, hour, 41, 35, 90)
