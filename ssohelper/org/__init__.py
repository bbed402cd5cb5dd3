"""The organisation: every IAM user's static keys across the accounts a sign-in reaches, and the
service control policy that keeps new ones out (build, apply, detach, check)."""
