"""The cost ladder: the same users API, from the server's ceiling up to the Forge app.

Benchmark fixtures for ``forge bench``, not part of ``apps/``. Per framework, each
rung adds one layer to the one below, so the difference between two rungs is what
that layer costs in that framework:

1. ``raw_asgi`` / ``raw_wsgi``: the bare interface, no framework (the server's ceiling);
2. ``*_minimal``: the app a newcomer writes from the framework's tutorial (a pydantic
   model, a marshmallow schema, a DRF serializer; the framework's own errors; users
   kept in a dict);
3. ``*_database``: the same with the framework's usual ORM on SQLite;
4. the Forge app itself (``apps/``): the contract, every rule of it.

Every rung serves the same paths (``/forge/users``, ``/forge/users/{id}``,
``/healthz``) so that one request runs on all of them; only the Forge apps answer
the way the contract says.
"""
