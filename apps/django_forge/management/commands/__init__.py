"""``migrate``, found here by Django ahead of its own command of that name."""
