"""Forge's conformance suite: the contract's cases judged against running servers.

It knows HTTP and the contract, never a web framework, so that it installs alone
(``runner/pyproject.toml``) for teams judging their own implementation.
"""
