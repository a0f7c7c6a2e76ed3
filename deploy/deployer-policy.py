#!/usr/bin/env python3
"""The deploy role's policy: deploy/deployer-policy.json is the one source.

    deployer-policy.py render --account ID --region R [--stack-name veil] [--prefix veil]
        [--instance-config-path /veil/hris/] --artifacts-bucket B [--kms] [--create-kms-key]
        [--vpc] [--partition aws]
        prints the policy with the placeholders filled in, for `aws iam create-policy` or
        `put-role-policy`. Optional statements are left out unless asked for: Sid Kms* with
        --kms (the stack uses KmsKeyArn or CreateKmsKey), KmsNew* with --create-kms-key
        (CreateKmsKey; implies --kms), Vpc* with --vpc (SubnetIds).

    deployer-policy.py oidc [--check]
        writes the same statements into deploy/github-oidc.yaml, between its BEGIN and END
        markers (the optional statements under its AllowKms, AllowKmsKeyCreation and AllowVpc
        conditions); --check only fails when the file is out of date (.ci/run does that).

The placeholders are CloudFormation's ${...} (${AWS::AccountId}, ${StackName}, ...), so the
OIDC template uses the statements as they are under !Sub. Python standard library only.
"""

import argparse
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
POLICY = HERE / "deployer-policy.json"
OIDC = HERE / "github-oidc.yaml"
BEGIN = "# BEGIN generated from deploy/deployer-policy.json by deploy/deployer-policy.py oidc"
END = "# END generated"
# Sid prefix -> the OIDC template's condition; the longest prefix that matches wins.
OPTIONS = {"KmsNew": "AllowKmsKeyCreation", "Kms": "AllowKms", "Vpc": "AllowVpc"}


def load():
    return json.loads(POLICY.read_text())


def option(statement):
    """The OIDC template's condition for an optional statement, or None."""
    for prefix in sorted(OPTIONS, key=len, reverse=True):
        if statement["Sid"].startswith(prefix):
            return OPTIONS[prefix]
    return None


def render(args):
    policy = load()
    keep = {
        "AllowKms": args.kms or args.create_kms_key,
        "AllowKmsKeyCreation": args.create_kms_key,
        "AllowVpc": args.vpc,
    }
    policy["Statement"] = [
        s for s in policy["Statement"] if option(s) is None or keep[option(s)]
    ]
    values = {
        "AWS::Partition": args.partition,
        "AWS::Region": args.region,
        "AWS::AccountId": args.account,
        "StackName": args.stack_name,
        "Prefix": args.prefix,
        "InstanceConfigPath": args.instance_config_path,
        "ArtifactsBucket": args.artifacts_bucket,
    }

    def fill(text):
        def one(m):
            if m.group(1) not in values:
                sys.exit(f"deployer-policy.json: unknown placeholder ${{{m.group(1)}}}")
            return values[m.group(1)]

        return re.sub(r"\$\{([^}]+)\}", one, text)

    out = json.loads(fill(json.dumps(policy)))
    text = json.dumps(out, indent=2)
    size = len(re.sub(r"\s", "", text))
    # IAM counts characters without white space: 6,144 for a managed policy, 10,240 for all
    # of a role's inline policies.
    if size > 6144:
        print(
            f"note: {size} characters: too large for a managed policy (6,144); "
            "attach it inline to a role (10,240)",
            file=sys.stderr,
        )
    print(text)


def scalar(value):
    text = json.dumps(value)
    return f"!Sub {text}" if "${" in value else text


def emit(value, indent):
    """A YAML block for a policy fragment (dicts, lists, strings)."""
    pad = " " * indent
    lines = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)):
                lines.append(f"{pad}{json.dumps(key) if ':' in key else key}:")
                lines.extend(emit(item, indent + 2))
            else:
                lines.append(f"{pad}{json.dumps(key) if ':' in key else key}: {scalar(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, (dict, list)):
                inner = emit(item, indent + 2)
                lines.append(f"{pad}- {inner[0].lstrip()}")
                lines.extend(inner[1:])
            else:
                lines.append(f"{pad}- {scalar(item)}")
    return lines


def oidc_block(indent):
    policy = load()
    pad = " " * indent
    lines = [f'{pad}Version: "{policy["Version"]}"', f"{pad}Statement:"]
    for statement in policy["Statement"]:
        condition = option(statement)
        if condition is None:
            body = emit(statement, indent + 4)
            lines.append(f"{pad}  - {body[0].lstrip()}")
            lines.extend(body[1:])
        else:
            lines.append(f"{pad}  - !If")
            lines.append(f"{pad}    - {condition}")
            body = emit(statement, indent + 6)
            lines.append(f"{pad}    - {body[0].lstrip()}")
            lines.extend(body[1:])
            lines.append(f"{pad}    - !Ref AWS::NoValue")
    return lines


def oidc(args):
    text = OIDC.read_text()
    lines = text.split("\n")
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == BEGIN)
        end = next(i for i, line in enumerate(lines) if i > start and line.strip() == END)
    except StopIteration:
        sys.exit(f"{OIDC}: no {BEGIN!r} ... {END!r} block")
    indent = len(lines[start]) - len(lines[start].lstrip())
    new = "\n".join(lines[: start + 1] + oidc_block(indent) + lines[end:])
    if args.check:
        if new != text:
            sys.exit(
                "deploy/github-oidc.yaml is out of date with deploy/deployer-policy.json: "
                "run python3 deploy/deployer-policy.py oidc"
            )
        return
    OIDC.write_text(new)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("render", help="print the policy with the placeholders filled in")
    r.add_argument("--account", required=True)
    r.add_argument("--region", required=True)
    r.add_argument("--artifacts-bucket", required=True)
    r.add_argument("--stack-name", default="veil")
    r.add_argument("--prefix", default="veil")
    r.add_argument("--instance-config-path", default="/veil/hris/")
    r.add_argument("--partition", default="aws")
    r.add_argument("--kms", action="store_true", help="the stack uses KmsKeyArn or CreateKmsKey")
    r.add_argument("--create-kms-key", action="store_true", help="the stack uses CreateKmsKey")
    r.add_argument("--vpc", action="store_true", help="the stack uses SubnetIds")
    r.set_defaults(run=render)
    o = sub.add_parser("oidc", help="update deploy/github-oidc.yaml's inline policy")
    o.add_argument("--check", action="store_true", help="fail if it is out of date")
    o.set_defaults(run=oidc)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
