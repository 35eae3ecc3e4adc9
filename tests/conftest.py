"""Shared test fixtures.

Real engines (LibreOffice Calc, a PostgreSQL server) are required in CI: `.ci/run` sets
JIXIAO_REQUIRE_REAL_ENGINES=1, and there a missing engine fails the test instead of
skipping it. On a developer machine without them the test is skipped with the reason.
"""

from __future__ import annotations

import os

import pytest

REQUIRE_REAL_ENGINES = os.environ.get("JIXIAO_REQUIRE_REAL_ENGINES") == "1" or bool(
    os.environ.get("CI")
)


def require(available: bool, what: str) -> None:
    """Skip (locally) or fail (in CI) when a real engine the test needs is missing."""
    if available:
        return
    if REQUIRE_REAL_ENGINES:
        pytest.fail(f"{what} is required in CI but missing", pytrace=False)
    pytest.skip(f"{what} not available")
