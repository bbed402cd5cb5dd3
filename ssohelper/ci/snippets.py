"""The exact text a user pastes for what migrate-ci leaves to them."""

from __future__ import annotations

CONFIGURE_ACTION_VERSION = "aws-actions/configure-aws-credentials@v4"


def permissions(current: list[tuple[str, str]] | None = None) -> str:
    """The job's permissions with id-token: write: merged with the ones it has (or inherits),
    since pasting a block replaces them; GitHub's defaults' contents: read when it has none."""
    entries = [("id-token", "write"), ("contents", "read")] if current is None else current
    merged = [(k, v) for k, v in entries if k != "id-token"] + [("id-token", "write")]
    return "permissions:\n" + "".join(f"  {k}: {v}\n" for k, v in merged)


def step(role_arn: str, region: str | None) -> str:
    return (
        f"- uses: {CONFIGURE_ACTION_VERSION}\n"
        "  with:\n"
        f"    role-to-assume: {role_arn}\n"
        f"    aws-region: {region or 'REGION'}\n"
    )


def github_job(role_arn: str, region: str | None, current: list[tuple[str, str]] | None = None) -> str:
    """A job that gets role credentials for its later steps (replace the keys in env with this)."""
    steps = "".join("  " + line + "\n" for line in step(role_arn, region).splitlines())
    return permissions(current) + "steps:\n" + steps


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
