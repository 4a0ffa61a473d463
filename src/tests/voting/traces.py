"""Attack traces with honest traffic mixed in, generated deterministically (seeded) for the replay tests.

These are synthetic traces shaped after documented attacks, not recordings: vote farms that sell votes at
0.1–0.6 元 each by rotating SIM cards behind a few proxy subnets (Chinese press reports on 刷票 services);
the bot that cast votes at machine-regular intervals in the Time 100 poll (2009); and a surge for one
candidate at midnight, when organisers are asleep. Honest traffic is Poisson arrivals from many 4G and
broadband subnets with the user agents of real phones, plus a school behind one NAT address.
"""
import datetime as dt
import random
from dataclasses import dataclass

SHANGHAI = dt.timezone(dt.timedelta(hours=8))

PHONE_UAS = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/4G Language/zh_CN",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.44(0x18002c2e) NetType/WIFI Language/zh_CN",
    "Mozilla/5.0 (Linux; Android 13; V2244A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160117 MMWEBSDK/20240301 MicroMessenger/8.0.48.2580(0x28003036) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64",
    "Mozilla/5.0 (Linux; Android 12; PEGM00 Build/SKQ1.210216.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/107.0.5304.141 Mobile Safari/537.36 XWEB/5023 MMWEBSDK/20230701 MicroMessenger/8.0.40.2420(0x28002837) WeChat/arm64 Weixin NetType/5G Language/zh_CN ABI/arm64",
    "Mozilla/5.0 (Linux; Android 14; 23049RAD8C Build/UKQ1.230804.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/118.0.0.0 Mobile Safari/537.36 XWEB/1180065 MMWEBSDK/20231202 MicroMessenger/8.0.45.2521(0x28002D3D) WeChat/arm64 Weixin NetType/4G Language/zh_CN ABI/arm64",
    "Mozilla/5.0 (Linux; Android 11; M2012K11AC Build/RKQ1.200826.002; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/101.0.4951.74 Mobile Safari/537.36 MicroMessenger/8.0.30.2260(0x28001E55) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN",
]
FARM_UA = "Mozilla/5.0 (Linux; Android 9; SM-G9650 Build/PQ3A.190801.002; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/92.0.4515.131 Mobile Safari/537.36 MicroMessenger/8.0.2.1860(0x28000234) Process/tools NetType/WIFI Language/zh_CN"
BOT_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"


@dataclass(frozen=True)
class TraceVote:
    t: float
    phone: str
    candidate: int  # index into the ballot's candidates
    ip: str
    ua: str
    device: str
    honest: bool


class _Phones:
    def __init__(self, prefix: str):
        self.prefix, self.n = prefix, 0

    def next(self) -> str:
        self.n += 1
        return f"+86{self.prefix}{self.n:08d}"


def honest_traffic(rng: random.Random, start: float, hours: float, per_hour: int, candidates: int, phones: _Phones) -> list[TraceVote]:
    """Voters from many subnets on their own phones, choosing candidates by a skewed popularity."""
    weights = [1 / (rank + 1) for rank in range(candidates)]
    votes, t, end = [], start, start + hours * 3600
    while True:
        t += rng.expovariate(per_hour / 3600)
        if t >= end:
            return votes
        ip = f"{rng.choice([39, 58, 112, 117, 120, 183, 223])}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        phone, device = phones.next(), f"honest-{rng.getrandbits(48):x}"
        ua = rng.choice(PHONE_UAS)
        wanted, picks = rng.choice([1, 1, 1, 2, 3]), []
        while len(picks) < wanted:
            pick = rng.choices(range(candidates), weights)[0]
            if pick not in picks:
                picks.append(pick)
        for index, candidate in enumerate(picks):
            votes.append(TraceVote(t + index * rng.uniform(3, 20), phone, candidate, ip, ua, device, True))


def school_nat(rng: random.Random, start: float, candidate: int, phones: _Phones) -> list[TraceVote]:
    """Forty pupils behind the school's one address vote for their teacher over the lunch hour."""
    return [
        TraceVote(start + rng.uniform(0, 3600), phones.next(), candidate, "60.210.12.9", rng.choice(PHONE_UAS),
                  f"pupil-{i}", True)
        for i in range(40)
    ]


def vote_farm(rng: random.Random, start: float, candidate: int, phones: _Phones, count: int = 300) -> list[TraceVote]:
    """SIM cards rotated behind three proxy subnets, one emulator build, cookies cleared for every vote."""
    subnets = ["101.37.88", "47.92.130", "121.40.77"]
    return [
        TraceVote(start + i * rng.uniform(8, 16), phones.next(), candidate,
                  f"{rng.choice(subnets)}.{rng.randint(2, 250)}", FARM_UA, f"farm-{rng.getrandbits(48):x}", False)
        for i in range(count)
    ]


def regular_bot(rng: random.Random, start: float, candidate: int, phones: _Phones, count: int = 90) -> list[TraceVote]:
    """A script voting every five minutes (±0.5 s) from one address, a new phone number each time: slow
    enough to stay under every rate limit and cluster size."""
    return [
        TraceVote(start + i * 300 + rng.uniform(-0.5, 0.5), phones.next(), candidate, "106.14.33.81", BOT_UA,
                  f"bot-{i}", False)
        for i in range(count)
    ]


def midnight_surge(rng: random.Random, midnight: float, candidate: int, phones: _Phones, count: int = 600) -> list[TraceVote]:
    """Six hundred votes for one candidate in the twenty minutes after midnight, through residential proxies
    (a different address and phone model each time), so no subnet or user agent stands out."""
    return [
        TraceVote(midnight + rng.uniform(0, 1200), phones.next(), candidate,
                  f"{rng.choice([27, 36, 42, 110, 171, 182])}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                  rng.choice(PHONE_UAS), f"proxy-{rng.getrandbits(48):x}", False)
        for _ in range(count)
    ]


def local(year: int, month: int, day: int, hour: int = 0) -> float:
    return dt.datetime(year, month, day, hour, tzinfo=SHANGHAI).timestamp()


def rush(rng: random.Random, start: float, minutes: int, per_hour: int, candidates: int, phones: _Phones) -> list[TraceVote]:
    """Honest crowds: everyone votes at once, as when the vote opens or a newspaper story runs
    (Junior Eurovision 2014 saw about 12,000 votes a second in its first seconds)."""
    return honest_traffic(rng, start, minutes / 60, per_hour, candidates, phones)
