"""Forge tooling: the `forge` command and the conformance case runner."""
