"""Deploys deploy/template.yaml, with its default parameters, into a local moto server.

Usage: target/test-venv/bin/python tests/deploy/deploy_to_moto.py [ENDPOINT]
           [--stack-name NAME] [Parameter=Value ...]
(ENDPOINT defaults to $VEIL_TEST_ENDPOINT; $VEIL_DEPLOY_TEMPLATE names another template to
try; Parameter=Value overrides a template parameter's default, and stacks deployed side by
side on one server need different stack names and Prefixes). Run by tests/deploy.rs; needs
moto and aws-sam-translator, which scripts/test-venv.sh installs into target/test-venv.

1. The SAM template is turned into plain CloudFormation by aws-sam-translator, offline: region
   us-east-1, an empty managed-policy map (the template names no managed policy).
   The function's local CodeUri is replaced by a placeholder zip uploaded to moto first: moto's
   Lambda stores the code but never runs it here (creating a function needs no docker; only
   invoking would). The test runs the real handler itself, with the deployed environment.
2. Resource types that moto's CloudFormation cannot create are stripped, each with its reason
   (UNSUPPORTED below); any other type moto lacks, on a resource deployed with these
   parameters, stops the script so that someone decides. CloudWatch alarms are stripped too,
   but their properties become stack outputs (Fn::ToJsonString, which moto evaluates): moto
   resolves them against the stack it creates (the function's name, the queue's name, the
   topic's ARN, the mappings), exactly as it resolves the resources' own properties.
3. The stack is created (replacing one left by an earlier run on the same server) and this
   prints one JSON object on stdout: the stack parameters and outputs, its resources, each
   function's configuration by logical id (name, environment..., and RoleStatements: the
   statements of its role's policies as moto's IAM holds them), the S3 triggers of the
   transformed template (moto ignores a bucket's NotificationConfiguration, so they are read
   from the template), the stripped resources, and by logical id: the alarms' resolved
   properties (alarms), each SNS topic's attributes and subscriptions (topics), each
   dashboard's name and parsed body (dashboards), each queue's attributes (queues) and each
   KMS key's ARN and parsed key policy (keys), all read back from moto's services.

What moto's CloudFormation also ignores (properties, not resource types), so only real AWS
verifies them: on AWS::S3::Bucket everything but BucketName, BucketEncryption and Tags
(versioning, lifecycle, public access block, ownership controls, notifications); on
AWS::Lambda::Function Architectures, LoggingConfig and ReservedConcurrentExecutions.
"""

import argparse
import ast
import io
import json
import os
import sys
import urllib.parse
import zipfile
from pathlib import Path

REGION = "us-east-1"
os.environ["AWS_DEFAULT_REGION"] = REGION  # read by aws-sam-translator for ARNs
os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")

import boto3  # noqa: E402  (after the region is set)
from botocore.exceptions import ClientError  # noqa: E402
from moto.cloudformation.parsing import get_model_map  # noqa: E402
from samtranslator.translator.transform import transform  # noqa: E402
from samtranslator.yaml_helper import yaml_parse  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = Path(os.environ.get("VEIL_DEPLOY_TEMPLATE", ROOT / "deploy" / "template.yaml"))
STACK = "veil-deploy-test"
ARTIFACTS = "veil-deploy-test-artifacts"
ACCOUNT = "123456789012"  # moto's default account

# Resource types moto 5.2.5's CloudFormation has no model for (it would skip them with a
# warning). Stripped before create-stack, and printed; real AWS creates them.
UNSUPPORTED = {
    "AWS::S3::BucketPolicy": "no moto model; the policies (plain HTTP refused, the optional "
    "readers, the access-log writer) are not enforced by the moto server anyway: checked "
    "statically by cfn-lint and checkov, enforced only by real S3",
    "AWS::Lambda::EventInvokeConfig": "no moto model; retries and the on-failure queue only "
    "apply to S3's asynchronous invocation, which the test replaces by invoking the handler "
    "through the Runtime API emulator",
    "AWS::CloudWatch::Alarm": "no moto model; moto resolves its properties as a stack output "
    "instead (MotoAlarm<logical id>), reported under alarms, where tests/deploy.rs checks them "
    "against the created function, queue and topic; only real CloudWatch evaluates them",
}
# The stack outputs that carry, as JSON, what moto resolves but cannot give back through its
# APIs: an alarm's properties (stripped above), a KMS key's ARN and policy (moto's KMS keeps
# the policy of a key created by CloudFormation as a dict, and every KMS call on the key then
# fails inside moto).
ALARM_OUTPUT = "MotoAlarm{}"
KEY_OUTPUT = "MotoKey{}"


class NoManagedPolicies:
    """The managed-policy map the translator asks for: empty (no network, no IAM call)."""

    def load(self):
        return {}


def evaluate(value, parameters, conditions):
    """Evaluates a condition expression with the parameters' default values."""
    if isinstance(value, list):
        return [evaluate(v, parameters, conditions) for v in value]
    if not isinstance(value, dict):
        return value
    (function, arg), = value.items()
    if function == "Ref":
        return parameters[arg]
    if function == "Condition":
        return evaluate(conditions[arg], parameters, conditions)
    args = evaluate(arg, parameters, conditions)
    if function == "Fn::Equals":
        return str(args[0]) == str(args[1])
    if function == "Fn::Not":
        return not args[0]
    if function == "Fn::And":
        return all(args)
    if function == "Fn::Or":
        return any(args)
    if function == "Fn::Join":
        return args[0].join(args[1])
    if function == "Fn::Select":
        return args[1][int(args[0])]
    raise ValueError(f"cannot evaluate {function} in a condition")


def parameter_values(template, stack, overrides):
    """The parameters' values: the defaults, with the overrides given on the command line."""
    values = {"AWS::Region": REGION, "AWS::AccountId": ACCOUNT, "AWS::Partition": "aws",
              "AWS::StackName": stack, "AWS::URLSuffix": "amazonaws.com", "AWS::NoValue": None}
    for name, spec in template.get("Parameters", {}).items():
        default = overrides.get(name, spec.get("Default"))
        if spec.get("Type", "").startswith(("CommaDelimitedList", "List<")):
            default = [] if default in (None, "") else (
                default if isinstance(default, list) else str(default).split(","))
        values[name] = default
    unknown = set(overrides) - set(template.get("Parameters", {}))
    if unknown:
        sys.exit(f"deploy_to_moto: the template has no parameter {', '.join(sorted(unknown))}")
    return values


def deployed(resource, parameters, conditions):
    """Whether CloudFormation creates this resource with these parameters."""
    if "Condition" not in resource:
        return True
    return evaluate({"Condition": resource["Condition"]}, parameters, conditions)


def strip_unsupported(template, parameters):
    conditions = template.get("Conditions", {})
    resources = template["Resources"]
    stripped = []
    for logical, resource in list(resources.items()):
        kind = resource["Type"]
        if kind in get_model_map() or kind.startswith("Custom::"):
            continue
        if not deployed(resource, parameters, conditions):
            continue  # off by default: CloudFormation (and moto) skip it anyway
        if kind not in UNSUPPORTED:
            sys.exit(
                f"deploy_to_moto: moto's CloudFormation cannot create {logical} ({kind}); "
                "add the type to UNSUPPORTED with a reason if the test may go on without it"
            )
        del resources[logical]
        stripped.append({"logical": logical, "type": kind, "reason": UNSUPPORTED[kind]})
        if kind == "AWS::CloudWatch::Alarm":
            output = {"Value": {"Fn::ToJsonString": resource.get("Properties", {})}}
            if "Condition" in resource:
                output["Condition"] = resource["Condition"]
            template.setdefault("Outputs", {})[ALARM_OUTPUT.format(logical)] = output
    names = {s["logical"] for s in stripped}
    for resource in resources.values():
        depends = resource.get("DependsOn")
        if isinstance(depends, str) and depends in names:
            del resource["DependsOn"]
        elif isinstance(depends, list):
            resource["DependsOn"] = [d for d in depends if d not in names]
    return stripped


def upload_placeholder_code(s3):
    try:
        s3.create_bucket(Bucket=ARTIFACTS)
    except ClientError as e:
        if e.response["Error"]["Code"] not in ("BucketAlreadyExists", "BucketAlreadyOwnedByYou"):
            raise
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as z:
        z.writestr("bootstrap", "#!/bin/sh\n# placeholder: tests/deploy.rs runs the real handler\n")
    s3.put_object(Bucket=ARTIFACTS, Key="veil.zip", Body=code.getvalue())
    return {"Bucket": ARTIFACTS, "Key": "veil.zip"}


def remove_earlier_stack(cloudformation, s3, stack):
    """A stack left by an earlier run on the same server, and its retained buckets."""
    try:
        status = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
    except ClientError:
        return
    if status == "DELETE_COMPLETE":
        return
    buckets = [
        r["PhysicalResourceId"]
        for r in cloudformation.describe_stack_resources(StackName=stack)["StackResources"]
        if r.get("ResourceType") == "AWS::S3::Bucket"
    ]
    try:
        cloudformation.delete_stack(StackName=stack)
        cloudformation.get_waiter("stack_delete_complete").wait(
            StackName=stack, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    except Exception as e:  # noqa: BLE001  (moto answers 500 for a half-created stack)
        sys.exit(f"deploy_to_moto: cannot remove the stack {stack} ({status}) left on this "
                 f"server by an earlier run ({e}); restart the moto server")
    for bucket in buckets:  # DeletionPolicy: Retain keeps them
        try:
            listing = s3.list_object_versions(Bucket=bucket)
        except ClientError:
            continue
        for v in listing.get("Versions", []) + listing.get("DeleteMarkers", []):
            s3.delete_object(Bucket=bucket, Key=v["Key"], VersionId=v["VersionId"])
        s3.delete_bucket(Bucket=bucket)


def s3_triggers(template, physical):
    """(bucket, function, event) of each bucket notification to a function of the stack."""
    triggers = []
    for logical, resource in template["Resources"].items():
        if resource["Type"] != "AWS::S3::Bucket":
            continue
        notifications = resource.get("Properties", {}).get("NotificationConfiguration", {})
        for config in notifications.get("LambdaConfigurations", []):
            function = config["Function"]
            target = function.get("Fn::GetAtt", [None])[0] if isinstance(function, dict) else None
            triggers.append({
                "bucket": physical.get(logical),
                "function": physical.get(target),
                "event": config["Event"],
                "filter": config.get("Filter"),
            })
    return triggers


def document(value):
    """A policy document as moto returns it: a dict, JSON, URL-encoded JSON or a Python repr."""
    if isinstance(value, dict):
        return value
    try:
        return json.loads(urllib.parse.unquote(value))
    except ValueError:
        return ast.literal_eval(value)


def role_statements(iam, role_arn):
    """Every statement of the role's inline and attached policies, Action/Resource as lists."""
    role = role_arn.rsplit("/", 1)[-1]
    documents = [
        iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        for name in iam.list_role_policies(RoleName=role)["PolicyNames"]
    ]
    for attached in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]:
        policy = iam.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]
        documents.append(iam.get_policy_version(
            PolicyArn=attached["PolicyArn"], VersionId=policy["DefaultVersionId"]
        )["PolicyVersion"]["Document"])
    statements = []
    for doc in map(document, documents):
        listed = doc["Statement"]
        for statement in listed if isinstance(listed, list) else [listed]:
            statement = dict(statement)
            for key in ("Action", "NotAction", "Resource", "NotResource"):
                if isinstance(statement.get(key), str):
                    statement[key] = [statement[key]]
            statements.append(statement)
    return statements


def monitoring(client, resources):
    """The topics, dashboards and queues of the stack, as moto's services hold them."""
    topics, dashboards, queues = {}, {}, {}
    for logical, r in resources.items():
        if r["type"] == "AWS::SNS::Topic":
            sns = client("sns")
            topics[logical] = {
                "arn": r["physical"],
                "attributes": sns.get_topic_attributes(TopicArn=r["physical"])["Attributes"],
                "subscriptions": sns.list_subscriptions_by_topic(
                    TopicArn=r["physical"])["Subscriptions"],
            }
        elif r["type"] == "AWS::CloudWatch::Dashboard":
            dashboard = client("cloudwatch").get_dashboard(DashboardName=r["physical"])
            dashboards[logical] = {
                "name": dashboard["DashboardName"],
                "arn": dashboard["DashboardArn"],
                "body": json.loads(dashboard["DashboardBody"]),
            }
        elif r["type"] == "AWS::SQS::Queue":
            queues[logical] = {
                "url": r["physical"],
                "attributes": client("sqs").get_queue_attributes(
                    QueueUrl=r["physical"], AttributeNames=["All"])["Attributes"],
            }
    return topics, dashboards, queues


def main():
    args = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    args.add_argument("endpoint", nargs="?", default=os.environ.get("VEIL_TEST_ENDPOINT"))
    args.add_argument("--stack-name", default=STACK)
    args.add_argument("parameters", nargs="*", metavar="Parameter=Value")
    args = args.parse_intermixed_args()
    if args.endpoint is None:
        sys.exit("deploy_to_moto: no endpoint (argument or $VEIL_TEST_ENDPOINT)")
    endpoint, stack = args.endpoint, args.stack_name
    overrides = dict(p.split("=", 1) for p in args.parameters)
    client = lambda service: boto3.client(service, endpoint_url=endpoint, region_name=REGION)  # noqa: E731
    s3, cloudformation = client("s3"), client("cloudformation")

    template = yaml_parse(TEMPLATE.read_text())
    code = upload_placeholder_code(s3)
    for resource in template["Resources"].values():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::Serverless::Function" and isinstance(props.get("CodeUri"), str):
            props["CodeUri"] = code
    cfn = transform(template, overrides, NoManagedPolicies())
    parameters = parameter_values(cfn, stack, overrides)
    stripped = strip_unsupported(cfn, parameters)
    for logical, resource in cfn["Resources"].items():
        if resource["Type"] == "AWS::KMS::Key" and deployed(
                resource, parameters, cfn.get("Conditions", {})):
            cfn.setdefault("Outputs", {})[KEY_OUTPUT.format(logical)] = {"Value": {"Fn::ToJsonString": {
                "arn": {"Fn::GetAtt": [logical, "Arn"]},
                "policy": resource["Properties"]["KeyPolicy"],
            }}}
    for s in stripped:
        print(f"deploy_to_moto: not deployed: {s['logical']} ({s['type']}): {s['reason']}",
              file=sys.stderr)

    remove_earlier_stack(cloudformation, s3, stack)
    cloudformation.create_stack(
        StackName=stack,
        TemplateBody=json.dumps(cfn),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in overrides.items()],
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
    )
    cloudformation.get_waiter("stack_create_complete").wait(
        StackName=stack, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    created = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    resources = {
        r["LogicalResourceId"]: {"type": r["ResourceType"], "physical": r.get("PhysicalResourceId", "")}
        for r in cloudformation.describe_stack_resources(StackName=stack)["StackResources"]
        if r.get("LogicalResourceId")  # moto lists resources whose Condition is false as blanks
    }
    physical = {logical: r["physical"] for logical, r in resources.items()}
    functions = {}
    for logical, r in resources.items():
        if r["type"] == "AWS::Lambda::Function":
            configuration = client("lambda").get_function_configuration(FunctionName=r["physical"])
            configuration.pop("ResponseMetadata", None)
            configuration["RoleStatements"] = role_statements(client("iam"), configuration["Role"])
            functions[logical] = configuration
    outputs = {o["OutputKey"]: o["OutputValue"] for o in created.get("Outputs", [])}
    alarms = {
        s["logical"]: json.loads(outputs.pop(ALARM_OUTPUT.format(s["logical"])))
        for s in stripped if s["type"] == "AWS::CloudWatch::Alarm"
    }
    keys = {
        logical: json.loads(outputs.pop(KEY_OUTPUT.format(logical)))
        for logical, r in resources.items() if r["type"] == "AWS::KMS::Key"
    }
    topics, dashboards, queues = monitoring(client, resources)
    json.dump({
        "stack": stack,
        "status": created["StackStatus"],
        "parameters": {p["ParameterKey"]: p["ParameterValue"] for p in created.get("Parameters", [])},
        "outputs": outputs,
        "resources": resources,
        "functions": functions,
        "s3_triggers": s3_triggers(cfn, physical),
        "not_deployed": stripped,
        "alarms": alarms,
        "topics": topics,
        "dashboards": dashboards,
        "queues": queues,
        "keys": keys,
    }, sys.stdout, default=str, indent=1)
    print()


if __name__ == "__main__":
    main()
