"""The provider and the role in three forms: JSON, a CloudFormation template, Terraform (HCL)."""

from __future__ import annotations

import json

from ssohelper.ci.trust import RoleSpec, trust_policy

FORMATS = ("json", "cloudformation", "terraform")
ACCOUNT_PLACEHOLDER = "ACCOUNT_ID"


def provider_arn(spec: RoleSpec, account: str = ACCOUNT_PLACEHOLDER) -> str:
    return f"arn:{spec.partition}:iam::{account}:oidc-provider/{spec.host}"


def render(spec: RoleSpec, output: str, *, account: str = ACCOUNT_PLACEHOLDER) -> str:
    """The text ``ci-role`` prints for ``--format output``."""
    if output == "cloudformation":
        return json.dumps(cloudformation(spec), indent=2) + "\n"
    if output == "terraform":
        return terraform(spec)
    return json.dumps(document(spec, account), indent=2) + "\n"


def document(spec: RoleSpec, account: str = ACCOUNT_PLACEHOLDER) -> dict:
    arn = provider_arn(spec, account)
    return {
        "provider": {"url": spec.provider_url, "client_id_list": [spec.audience], "arn": arn},
        "role": {
            "name": spec.role_name,
            "assume_role_policy": trust_policy(spec, arn),
            "policy_arns": list(spec.policy_arns),
            "max_session_duration": spec.max_session_duration,
        },
    }


def cloudformation(spec: RoleSpec) -> dict:
    """A template that creates the provider unless ExistingProviderArn names one (IAM keeps
    one provider per URL and account), and the role."""
    provider = {"Fn::If": ["CreateProvider", {"Ref": "OidcProvider"}, {"Ref": "ExistingProviderArn"}]}
    role: dict = {
        "RoleName": spec.role_name,
        "AssumeRolePolicyDocument": trust_policy(spec, provider),
        "MaxSessionDuration": spec.max_session_duration,
    }
    if spec.policy_arns:
        role["ManagedPolicyArns"] = list(spec.policy_arns)
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"The role that CI of {spec.repository} assumes with its OIDC token (written by ssohelper)",
        "Parameters": {
            "ExistingProviderArn": {
                "Type": "String",
                "Default": "",
                "Description": f"The ARN of the {spec.provider_url} OIDC provider if the account has one already",
            }
        },
        "Conditions": {"CreateProvider": {"Fn::Equals": [{"Ref": "ExistingProviderArn"}, ""]}},
        "Resources": {
            "OidcProvider": {
                "Type": "AWS::IAM::OIDCProvider",
                "Condition": "CreateProvider",
                "Properties": {"Url": spec.provider_url, "ClientIdList": [spec.audience]},
            },
            "Role": {"Type": "AWS::IAM::Role", "Properties": role},
        },
        "Outputs": {"RoleArn": {"Description": "role-to-assume", "Value": {"Fn::GetAtt": ["Role", "Arn"]}}},
    }


_PROVIDER_REF = "aws_iam_openid_connect_provider.ci.arn"


def _hcl(value: object) -> str:
    """A JSON value as an HCL expression: the same syntax, with template sequences escaped."""
    return json.dumps(value, indent=2).replace("${", "$${").replace("%{", "%%{")


def terraform(spec: RoleSpec) -> str:
    policy = _hcl(trust_policy(spec, "\0provider\0")).replace('"\\u0000provider\\u0000"', _PROVIDER_REF)
    policy = policy.replace("\n", "\n  ")
    blocks = [
        "# If the account has this provider already: terraform import aws_iam_openid_connect_provider.ci ARN\n"
        'resource "aws_iam_openid_connect_provider" "ci" {\n'
        f"  url            = {_hcl(spec.provider_url)}\n"
        f"  client_id_list = [{_hcl(spec.audience)}]\n"
        "}\n",
        'resource "aws_iam_role" "ci" {\n'
        f"  name                 = {_hcl(spec.role_name)}\n"
        f"  max_session_duration = {spec.max_session_duration}\n"
        f"  assume_role_policy = jsonencode({policy})\n"
        "}\n",
    ]
    for index, arn in enumerate(spec.policy_arns):
        blocks.append(
            f'resource "aws_iam_role_policy_attachment" "ci_{index}" {{\n'
            "  role       = aws_iam_role.ci.name\n"
            f"  policy_arn = {_hcl(arn)}\n"
            "}\n"
        )
    blocks.append('output "role_arn" {\n  value = aws_iam_role.ci.arn\n}\n')
    return "\n".join(blocks)
