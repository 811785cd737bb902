"""The fuzzers run with forge's Hypothesis profile wherever pytest runs, CI included.

Hypothesis loads a profile of its own, "ci", where the ``CI`` variable is set; the
suite's figures and times (README, docs/reliability.md) are the ``forge`` profile's.
"""

import os

from hypothesis import settings


def test_the_forge_profile_is_loaded_unless_another_is_asked_for() -> None:
    asked = os.environ.get("FORGE_FUZZ_PROFILE")

    assert settings.get_current_profile_name() == (asked or "forge")
