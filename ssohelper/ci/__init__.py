"""OIDC roles for CI pipelines: trust policies, their renderers, IAM apply and check, workflow scan and rewrite."""
