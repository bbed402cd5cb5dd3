"""Signing in and out of IAM Identity Center, and the status of each sign-in."""
