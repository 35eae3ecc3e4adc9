"""Fuzzing in the suite: hypothesis draws the seed of fuzz/'s mutation engine and the three
total functions must answer every mutated input with findings (or a coded refusal), never
an exception and never an "unexpected error" finding. ``make fuzz`` runs the same targets
for 100,000 inputs each (fuzz/RESULTS.md); here a bounded number per target."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz.runner import rng_for
from fuzz.targets import INTERNAL, Target, make_target

EXAMPLES = 60
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
_TARGETS: dict[str, Target] = {}


def target(name: str) -> Target:
    if name not in _TARGETS:
        _TARGETS[name] = make_target(name)
    return _TARGETS[name]


def check(name: str, seed: int) -> str:
    t = target(name)
    file_name, data = t.make(rng_for(seed, 0))
    outcome = t.run(file_name, data)  # an exception here fails the example with its traceback
    assert not outcome.startswith("internal:"), (seed, outcome)
    assert outcome.split(":")[-1] not in INTERNAL
    return outcome


@pytest.mark.parametrize("name", ["verify", "dataset", "lint"])
@SETTINGS
@given(seed=st.integers(min_value=0, max_value=2**32))
def test_mutated_inputs_never_escape(name: str, seed: int) -> None:
    check(name, seed)


def test_the_mutations_reach_past_the_reader() -> None:
    """A campaign that only produced unreadable files would prove little: a fair share of
    mutated returns is read and verified, and of mutated tables read into departments."""
    outcomes = {name: [check(name, seed) for seed in range(60)] for name in ("verify", "dataset")}
    for name, seen in outcomes.items():
        assert sum(o == "ok" for o in seen) >= 6, (name, seen)  # one in ten


def test_the_engine_is_deterministic() -> None:
    t = target("lint")
    assert t.make(rng_for(7, 3)) == t.make(rng_for(7, 3))
    assert t.make(random.Random("7:3"))[1] == t.make(rng_for(7, 3))[1]
    assert t.make(rng_for(7, 3)) != t.make(rng_for(7, 4))
