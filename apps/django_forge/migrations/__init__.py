"""Django migrations of the ``users`` table; ``migrate`` applies them."""
