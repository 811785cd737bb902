"""The app's management commands, which Django finds here by convention."""
