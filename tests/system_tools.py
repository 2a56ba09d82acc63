"""What a test does when the machine lacks a system tool (browser, poppler, PostgreSQL, Java)."""

from __future__ import annotations

import os

import pytest


def missing(reason: str) -> None:
    """CI (`CLV_REQUIRE_ALL=1`, set by .ci/run, which installs every tool) fails; elsewhere the test is skipped."""
    if os.environ.get("CLV_REQUIRE_ALL"):
        pytest.fail(reason)
    pytest.skip(reason)
