"""Django's own database backends, each subclassed for what a kept connection must
still honour: R24 on SQLite (``sqlite3/``), R25 on PostgreSQL (``postgresql/``).

``settings.py`` names them as ``ENGINE``, the extension point Django documents for
subclassing a built-in backend.
"""
