"""The issue's quality targets, checked on every part of the labelled set so a rule change that loses
accuracy fails here. (The held-out and fresh parts were first scored once, blind; see docs/extraction.md.)"""
import pytest

from xuanshu.nominations.extraction.evaluation import PARTS, evaluate, load_part

TARGETS = {
    "nominee_name": ("f1", 0.92),
    "nominee_kind": ("accuracy", 0.95),
    "county": ("accuracy", 0.95),
    "phones": ("f1", 0.99),
    "category": ("accuracy", 0.85),
    # not the issue's: a group's members since rules-6 (0.889 on dev, held-out and fresh under rules-5: 蓝天 of
    # 蓝天救援队 read as a member, 队长王秀芳、队员… missed)
    "nominee_members": ("accuracy", 0.95),
}


@pytest.mark.parametrize("part", PARTS)
def test_targets_are_met(part):
    tallies = evaluate(load_part(part))
    figures = {field: round(getattr(tallies[field], measure)(), 3) for field, (measure, _floor) in TARGETS.items()}
    below = {field: value for field, value in figures.items() if value < TARGETS[field][1]}
    assert below == {}
