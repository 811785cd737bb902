"""Django's sqlite3 backend, whose kept connection follows the file at its path
(R24)."""
