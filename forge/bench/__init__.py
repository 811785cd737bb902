"""``forge bench``: what each framework costs, measured side by side on this machine.

- ``ladder``: the rungs (``bench/`` and the Forge apps) and the requests they answer;
- ``inprocess``: CPU per request, the app called directly, no server, no socket;
- ``served``: the apps under their servers, driven by wrk (``wrk``), the conformance
  gate first; ``delay`` puts a slow network between an app and PostgreSQL;
- ``machine``: the conditions every figure is taken under;
- ``report``: the terminal tables, the JSON, the Markdown report and ``--compare``;
  ``charts`` draws the report's PNGs.
"""
