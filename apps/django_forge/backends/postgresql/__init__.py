"""Django's postgresql backend, whose kept connection waits for no reply forever
(R25)."""
