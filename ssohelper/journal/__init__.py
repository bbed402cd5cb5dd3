"""The edit journal: backups, intent records, recovery and rollback for every edit of a user's files."""
