"""Fuzzing: the three apps against each other and against the contract (issue 7).

``test_differential.py`` and ``test_stateful.py`` send Hypothesis-generated requests to
all three apps at once and compare the answers; ``test_schemathesis.py`` lets
Schemathesis generate requests from ``contract/openapi.json`` for each app alone.
"""
