"""Talking to IAM Identity Center through botocore: sign-in (OIDC), the portal, the token cache."""
