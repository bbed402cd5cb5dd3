"""ssohelper: retire static AWS access keys with IAM Identity Center."""

__version__ = "0.1.0"
