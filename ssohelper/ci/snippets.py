"""The exact text a user pastes for what migrate-ci leaves to them."""

from __future__ import annotations

CONFIGURE_ACTION_VERSION = "aws-actions/configure-aws-credentials@v4"


def permissions() -> str:
    return "permissions:\n  id-token: write\n  contents: read\n"


def step(role_arn: str, region: str | None) -> str:
    return (
        f"- uses: {CONFIGURE_ACTION_VERSION}\n"
        "  with:\n"
        f"    role-to-assume: {role_arn}\n"
        f"    aws-region: {region or 'REGION'}\n"
    )


def github_job(role_arn: str, region: str | None) -> str:
    """A job that gets role credentials for its later steps (replace the keys in env with this)."""
    steps = "".join("  " + line + "\n" for line in step(role_arn, region).splitlines())
    return permissions() + "steps:\n" + steps


def gitlab_job(role_arn: str, region: str | None, audience: str) -> str:
    """A GitLab job whose AWS SDKs and CLI assume the role with the job's ID token."""
    return (
        "id_tokens:\n"
        "  AWS_ID_TOKEN:\n"
        f"    aud: {audience}\n"
        "variables:\n"
        f"  AWS_ROLE_ARN: {role_arn}\n"
        "  AWS_WEB_IDENTITY_TOKEN_FILE: $CI_BUILDS_DIR/.aws-web-identity-token\n"
        + (f"  AWS_REGION: {region}\n" if region else "")
        + "before_script:\n"
        '  - echo "$AWS_ID_TOKEN" > "$AWS_WEB_IDENTITY_TOKEN_FILE"\n'
    )
