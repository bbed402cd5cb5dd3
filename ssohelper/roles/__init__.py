"""Role credentials: credential_process, role chaining, environment credentials, the console."""
