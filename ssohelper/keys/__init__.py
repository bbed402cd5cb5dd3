"""Static access keys: where they are, how old, and which a migration deactivated."""
