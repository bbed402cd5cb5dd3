"""Listings: every account and role a sign-in gives."""
