"""CloudFormation: the plan's resources as stacks, and the script that deploys them.

out/<env>/cloudformation/stack.yaml holds every resource of the main stack; with
`alarms.stack: separate` the alarms and dashboards go to alarms.yaml (or alarms-01.yaml,
... when one stack cannot hold them). deploy.sh deploys the stacks in order, through S3
when a template is larger than `--template-body` takes.

The plan is in the API's shape; `TRANSFORMS` maps each resource type to CloudFormation's
property names (most are the API's own), and `INTRINSICS` turns each `Ref` into the
intrinsic function that reads that attribute.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import Any

from .. import catalog, templates
from ..model import Deployment
from ..plan import AccountId, Join, Plan, Ref, Resource, Stack, record_set, sns_topic_arn
from .cfn_yaml import GetAtt, Ref as CfnRef, Sub, dump
from .escape import Shell, Yaml, comment, shell_word



def emit(d: Deployment, plan: Plan) -> dict[str, str]:
    files = {stack.file: stack_text(d, plan, stack) for stack in plan.stacks}
    files.update(deploy_script(d, plan, {name: len(text.encode("utf-8")) for name, text in files.items()}))
    return files


# The comment lines above a template's body stay under this many bytes (the property tests check it).
HEADER_MAX_BYTES = 2048


def stack_body(plan: Plan, stack: Stack) -> Yaml:
    """The template below its comment header (dumped once per plan: the size rule reads it too)."""
    key = f"cloudformation/{stack.file}"
    if key not in plan.rendered:
        plan.rendered[key] = dump(stack_document(plan, stack))
    return Yaml(plan.rendered[key])


def stack_text(d: Deployment, plan: Plan, stack: Stack) -> str:
    return templates.render("cloudformation/stack.yaml.j2", d=d, stack=stack, body=stack_body(plan, stack),
                            summary=[comment(line) for line in textwrap.wrap(_summary(d), 92)],
                            note=[comment(line) for line in textwrap.wrap(_note(d), 92)])


def stack_bytes(plan: Plan, stack: Stack) -> int:
    """The template's size: its body (dumped once per plan) and at most HEADER_MAX_BYTES of comments."""
    return len(stack_body(plan, stack).encode("utf-8")) + HEADER_MAX_BYTES


def stack_document(plan: Plan, stack: Stack) -> dict[str, Any]:
    document: dict[str, Any] = {
        "AWSTemplateFormatVersion": "2010-09-09",
        # The template's Description takes no intrinsic functions, so a `${` (which
        # CloudFormation would read as a variable) is broken up here.
        "Description": _utf8_prefix(stack.description.replace("${", "$ {"),
                                    catalog.quotas("cloudformation")["template_description_max_bytes"]),
        "Resources": {resource_id: resource(plan, stack, plan.get(resource_id)) for resource_id in stack.resources},
    }
    if stack.name == "main":
        document["Outputs"] = {o.name: _output(plan, stack, o) for o in plan.outputs}
    return document


def _utf8_prefix(text: str, max_bytes: int) -> str:
    """The longest prefix of text that takes at most max_bytes in UTF-8 (no character cut in two)."""
    return text.encode("utf-8")[:max_bytes].decode("utf-8", "ignore")


def _summary(d: Deployment) -> str:
    if d.serverless:
        limits = [f"at most {d.serverless.max_data_storage_gb} GB" if d.serverless.max_data_storage_gb else "",
                  f"{d.serverless.max_ecpu_per_second} ECPUs/s" if d.serverless.max_ecpu_per_second else ""]
        shown = ", ".join(limit for limit in limits if limit) or "no usage limits"
        return f"ElastiCache Serverless, {d.engine} {d.serverless.major_engine_version} ({shown})."
    return (f"{d.engine} {d.engine_version} on {d.node_count} x {d.node.name} ({d.shards} shard"
            f"{'s' if d.shards > 1 else ''}, {d.replicas_per_shard} replica{'s' if d.replicas_per_shard != 1 else ''}"
            f" each), Multi-AZ {'on' if d.multi_az else 'off'}, cluster mode "
            f"{'enabled' if d.cluster_mode_enabled else 'disabled'}.")


def _note(d: Deployment) -> str:
    if dict(d.effective_parameters).get("maxmemory-policy") == "noeviction":
        return ("maxmemory-policy is noeviction, not allkeys-lru: an evicting policy drops queued Celery tasks "
                "and results when memory runs out.")
    return ""


# --- properties -------------------------------------------------------------------------

def _subnet_group(r: Resource) -> dict[str, Any]:
    call = r.calls["CreateCacheSubnetGroup"]
    return {"CacheSubnetGroupName": call["CacheSubnetGroupName"], "Description": call["CacheSubnetGroupDescription"],
            "SubnetIds": call["SubnetIds"], "Tags": call["Tags"]}


SOURCES = (("UserIdGroupPairs", "GroupId", "SourceSecurityGroupId"), ("IpRanges", "CidrIp", "CidrIp"),
           ("Ipv6Ranges", "CidrIpv6", "CidrIpv6"))


def _security_group(r: Resource) -> dict[str, Any]:
    create = r.calls["CreateSecurityGroup"]
    ingress = []
    for permission in r.calls["AuthorizeSecurityGroupIngress"]["IpPermissions"]:
        for api_list, api_key, cfn_key in SOURCES:
            for source in permission.get(api_list, []):
                ingress.append({"IpProtocol": permission["IpProtocol"], "FromPort": permission["FromPort"],
                                "ToPort": permission["ToPort"], cfn_key: source[api_key],
                                "Description": source["Description"]})
    [tags] = [spec["Tags"] for spec in create["TagSpecifications"]]
    return {"GroupName": create["GroupName"], "GroupDescription": create["Description"], "VpcId": create["VpcId"],
            "SecurityGroupIngress": ingress, "Tags": tags}


def _parameter_group(r: Resource) -> dict[str, Any]:
    create = r.calls["CreateCacheParameterGroup"]
    values = {p["ParameterName"]: p["ParameterValue"] for p in r.calls["ModifyCacheParameterGroup"]["ParameterNameValues"]}
    return {"CacheParameterGroupName": create["CacheParameterGroupName"],
            "CacheParameterGroupFamily": create["CacheParameterGroupFamily"], "Description": create["Description"],
            "Properties": values, "Tags": create["Tags"]}


def _secret(r: Resource) -> dict[str, Any]:
    create = dict(r.calls["CreateSecret"])
    create.pop("SecretString")  # generated by CloudFormation from GenerateSecretString
    tags = create.pop("Tags")
    return {**create, "GenerateSecretString": r.calls["GetRandomPassword"], "Tags": tags}


def _topic(r: Resource) -> dict[str, Any]:
    create = r.calls["CreateTopic"]
    out: dict[str, Any] = {"TopicName": create["Name"]}
    if "Attributes" in create:
        out["KmsMasterKeyId"] = create["Attributes"]["KmsMasterKeyId"]
    if r.calls["Subscribe"]:
        out["Subscription"] = [{"Protocol": s["Protocol"], "Endpoint": s["Endpoint"]} for s in r.calls["Subscribe"]]
    out["Tags"] = create["Tags"]
    return out


def _log_group(r: Resource) -> dict[str, Any]:
    create, retention = r.calls["CreateLogGroup"], r.calls["PutRetentionPolicy"]
    out = {"LogGroupName": create["logGroupName"], "RetentionInDays": retention["retentionInDays"]}
    if "kmsKeyId" in create:
        out["KmsKeyId"] = create["kmsKeyId"]
    out["Tags"] = [{"Key": k, "Value": v} for k, v in create["tags"].items()]
    return out


def _managed_policy(r: Resource) -> dict[str, Any]:
    create = r.calls["CreatePolicy"]
    return {"ManagedPolicyName": create["PolicyName"], "Description": create["Description"],
            "PolicyDocument": create["PolicyDocument"]}


def _scaling_policy(r: Resource) -> dict[str, Any]:
    """The policy names its target (ScalingTargetId) instead of repeating the target's keys."""
    put = r.calls["PutScalingPolicy"]
    return {"PolicyName": put["PolicyName"], "PolicyType": put["PolicyType"],
            "ScalingTargetId": Ref(r.depends_on[0], "Id"),
            "TargetTrackingScalingPolicyConfiguration": put["TargetTrackingScalingPolicyConfiguration"]}


def _serverless_cache(r: Resource) -> dict[str, Any]:
    """CreateServerlessCache's input, and the final snapshot CloudFormation takes when it deletes the cache."""
    out = dict(r.calls["CreateServerlessCache"])
    if "DeleteServerlessCache" in r.calls:
        out["FinalSnapshotName"] = r.calls["DeleteServerlessCache"]["FinalSnapshotName"]
    return out


def _global_replication_group(r: Resource) -> dict[str, Any]:
    """The primary is its only member: a secondary joins from its own region's stack (CloudFormation
    refuses a Global Datastore created with more than one member)."""
    create = r.calls["CreateGlobalReplicationGroup"]
    return {"GlobalReplicationGroupIdSuffix": create["GlobalReplicationGroupIdSuffix"],
            "GlobalReplicationGroupDescription": create["GlobalReplicationGroupDescription"],
            "Members": [{"ReplicationGroupId": create["PrimaryReplicationGroupId"],
                         "ReplicationGroupRegion": CfnRef("AWS::Region"), "Role": "PRIMARY"}]}


def _record_set(r: Resource) -> dict[str, Any]:
    """The one record of the change: CloudFormation keeps it in step with the stack (an UPSERT)."""
    zone, record = record_set(r)
    return {"HostedZoneId": zone, "Name": record["Name"], "Type": record["Type"],
            "TTL": str(record["TTL"]),  # a string in CloudFormation's schema
            "ResourceRecords": [value["Value"] for value in record["ResourceRecords"]]}


def _as_is(operation: str) -> Callable[[Resource], dict[str, Any]]:
    return lambda r: dict(r.calls[operation])


TRANSFORMS: dict[str, Callable[[Resource], dict[str, Any]]] = {
    "AWS::ElastiCache::SubnetGroup": _subnet_group,
    "AWS::EC2::SecurityGroup": _security_group,
    "AWS::ElastiCache::ParameterGroup": _parameter_group,
    "AWS::SecretsManager::Secret": _secret,
    "AWS::SNS::Topic": _topic,
    "AWS::Logs::LogGroup": _log_group,
    "AWS::ElastiCache::ReplicationGroup": _as_is("CreateReplicationGroup"),
    "AWS::CloudWatch::Alarm": _as_is("PutMetricAlarm"),
    "AWS::CloudWatch::Dashboard": _as_is("PutDashboard"),
    "AWS::ElastiCache::User": _as_is("CreateUser"),
    "AWS::ElastiCache::UserGroup": _as_is("CreateUserGroup"),
    "AWS::IAM::ManagedPolicy": _managed_policy,
    "AWS::ApplicationAutoScaling::ScalableTarget": _as_is("RegisterScalableTarget"),
    "AWS::ApplicationAutoScaling::ScalingPolicy": _scaling_policy,
    "AWS::ElastiCache::ServerlessCache": _serverless_cache,
    "AWS::ElastiCache::GlobalReplicationGroup": _global_replication_group,
    "AWS::Route53::RecordSet": _record_set,
}


def resource(plan: Plan, stack: Stack, r: Resource) -> dict[str, Any]:
    out: dict[str, Any] = {"Type": r.type}
    if r.scanner_skips:  # checkov's own format: https://www.checkov.io/2.Basics/Suppressing%20and%20Skipping%20Policies.html
        out["Metadata"] = {"checkov": {"skip": [{"id": check, "comment": why} for check, why in r.scanner_skips]}}
    properties = TRANSFORMS[r.type](r)
    # a Ref already orders the two (cfn-lint W3005): DependsOn only for the others
    depends = [other for other in r.depends_on if other in stack.resources and not _refers_to(properties, other)]
    if depends:
        out["DependsOn"] = depends[0] if len(depends) == 1 else depends
    if r.type == "AWS::ElastiCache::ReplicationGroup":
        # A replacement (port, subnet group, encryption, id...) must never silently lose the
        # data; deletion keeps a final snapshot when the spec asks for one.
        out["DeletionPolicy"] = "Snapshot" if r.final_snapshot else "Delete"
        out["UpdateReplacePolicy"] = "Snapshot"
    out["Properties"] = _value(plan, stack, properties)
    return out


def _refers_to(value: Any, resource_id: str) -> bool:
    if isinstance(value, Ref):
        return value.resource == resource_id
    if isinstance(value, dict):
        return any(_refers_to(item, resource_id) for item in value.values())
    if isinstance(value, list):
        return any(_refers_to(item, resource_id) for item in value)
    return False


# --- references --------------------------------------------------------------------------

# (type, attribute) -> the intrinsic reading it, as (short form, Sub variable)
INTRINSICS: dict[tuple[str, str], Callable[[str, str], tuple[Any, str]]] = {
    ("AWS::ElastiCache::SubnetGroup", "Name"): lambda rid, _: (CfnRef(rid), rid),
    ("AWS::ElastiCache::ParameterGroup", "Name"): lambda rid, _: (CfnRef(rid), rid),
    ("AWS::Logs::LogGroup", "Name"): lambda rid, _: (CfnRef(rid), rid),
    ("AWS::ElastiCache::User", "Name"): lambda rid, _: (CfnRef(rid), rid),
    ("AWS::ElastiCache::UserGroup", "Name"): lambda rid, _: (CfnRef(rid), rid),
    ("AWS::IAM::ManagedPolicy", "Arn"): lambda rid, _: (CfnRef(rid), rid),
    ("AWS::ApplicationAutoScaling::ScalableTarget", "Id"): lambda rid, _: (CfnRef(rid), rid),
    ("AWS::SNS::Topic", "Arn"): lambda rid, _: (CfnRef(rid), rid),
    ("AWS::SecretsManager::Secret", "Arn"): lambda rid, _: (CfnRef(rid), rid),
    ("AWS::SecretsManager::Secret", "SecretString"):
        lambda rid, _: (Sub(f"{{{{resolve:secretsmanager:${{{rid}}}:SecretString}}}}"), ""),
    ("AWS::EC2::SecurityGroup", "GroupId"): lambda rid, attr: (GetAtt(f"{rid}.{attr}"), f"{rid}.{attr}"),
}


def _intrinsic(plan: Plan, stack: Stack, ref: Ref) -> tuple[Any, str]:
    target = plan.get(ref.resource)
    if ref.resource not in stack.resources:
        if (target.type, ref.attribute) != ("AWS::SNS::Topic", "Arn"):
            raise ValueError(f"{ref} crosses stacks")
        # a topic's ARN follows from its name: the alarm stacks need no export of the main stack
        arn = sns_topic_arn("${AWS::Partition}", "${AWS::Region}", "${AWS::AccountId}", target.name)
        return Sub(arn), ""
    if (target.type, ref.attribute) == ("AWS::ElastiCache::ReplicationGroup", "Name"):
        return CfnRef(ref.resource), ref.resource
    if target.type in ("AWS::ElastiCache::ReplicationGroup", "AWS::ElastiCache::ServerlessCache",
                       "AWS::ElastiCache::GlobalReplicationGroup"):
        return GetAtt(f"{ref.resource}.{ref.attribute}"), f"{ref.resource}.{ref.attribute}"
    return INTRINSICS[(target.type, ref.attribute)](ref.resource, ref.attribute)


def _literal(text: str) -> Any:
    """A string CloudFormation reads literally: a `${` would be taken for a Sub variable
    (cfn-lint E1029), so such text is joined from parts that hold none."""
    if "${" not in text:
        return text
    pieces = text.split("${")
    parts = [pieces[0] + "$"] + ["{" + piece + "$" for piece in pieces[1:-1]] + ["{" + pieces[-1]]
    return {"Fn::Join": ["", parts]}


_PLAIN_TYPES = (int, float, bool)


def _value(plan: Plan, stack: Stack, value: Any) -> Any:
    kind = type(value)
    if kind is str:
        return _literal(value) if "${" in value else value
    if kind is dict:  # leaves inline: a stack has tens of thousands of them
        return {key: item if type(item) is str and "${" not in item or type(item) in _PLAIN_TYPES
                else _value(plan, stack, item) for key, item in value.items()}
    if kind is list:
        return [_value(plan, stack, item) for item in value]
    if isinstance(value, Ref):
        return _intrinsic(plan, stack, value)[0]
    if isinstance(value, Join):
        template = ""
        for part in value.parts:
            if isinstance(part, AccountId):
                template += "${AWS::AccountId}"
            elif isinstance(part, Ref):
                variable = _intrinsic(plan, stack, part)[1]
                template += "${" + variable + "}"
            else:
                template += part.replace("${", "${!")
        return Sub(template)
    return value


def _output(plan: Plan, stack: Stack, output) -> dict[str, Any]:
    out: dict[str, Any] = {"Description": output.description, "Value": _value(plan, stack, output.value)}
    if output.export:
        out["Export"] = {"Name": Sub(f"${{AWS::StackName}}-{output.name}")}
    return out


# --- deploy.sh ---------------------------------------------------------------------------

def deploy_script(d: Deployment, plan: Plan, sizes: dict[str, int]) -> dict[str, str]:
    if d.group_key is not None:  # another group's stacks are deployed by the spec's own deploy.sh
        return {}
    body_max = catalog.quotas("cloudformation")["template_body_max_bytes"]
    stacks = []
    # the spec's own group deploys every group's stacks: <stack name>-<key>[-alarms...] for another group
    for group in d.all_groups:
        group_plan = plan if group is d else group.plan
        for stack in group_plan.stacks:
            suffix = "".join(f"-{part}" for part in (group.group_key, stack.name if stack.name != "main" else None)
                             if part)
            file = group.folder + stack.file
            size = sizes[stack.file] if group is d else _stack_size(group, group_plan, stack)
            # the step names create.sh and delete.sh use: group-<key> for another group's stacks
            step = "-".join(p for p in ("group" if group.group_key else None, suffix[1:]) if p) or "main"
            stacks.append({
                "file": shell_word(file),
                "step": shell_word(step),
                "suffix": shell_word(suffix) if suffix else None,
                "bytes": size,
                "needs_s3": size > body_max,
                # CloudFormation creates a named IAM resource only when told it may (CAPABILITY_NAMED_IAM)
                "named_iam": any(group_plan.get(r).type.startswith("AWS::IAM::") for r in stack.resources),
                "resources": len(stack.resources),
                # a Global Datastore member's stack goes to the spec's region for it; the others follow $REGION
                "region": shell_word(group.region) if group.global_datastore is not None else Shell('"$REGION"'),
                # S3 takes a template for a stack of its own region only: a secondary's has a bucket of its own
                "bucket": _bucket(group.region if group.region != d.region else None),
            })
    return {"deploy.sh": _deploy_text(d, plan, stacks, body_max)}


def _bucket(region: str | None) -> dict[str, Any]:
    """deploy.sh's bucket for the templates of `region` (None: the environment's own): its shell
    variable, option and environment variable."""
    suffix = f"_{region.replace('-', '_')}" if region else ""
    return {"region": region, "variable": f"bucket{suffix}", "flag": f"--s3-bucket-{region}" if region else "--s3-bucket",
            "environment": f"CACHEGEN_TEMPLATE_BUCKET{suffix.upper()}"}


def _stack_size(d: Deployment, plan: Plan, stack: Stack) -> int:
    return len(stack_text(d, plan, stack).encode("utf-8"))


def _deploy_text(d: Deployment, plan: Plan, stacks: list[dict[str, Any]], body_max: int) -> str:
    from . import cli

    buckets = {s["bucket"]["variable"]: s["bucket"] for s in stacks}
    own = _bucket(None)

    return cli.render_script("deploy.sh", d, "cloudformation/deploy.sh.j2", [s["step"] for s in stacks], [
        "Deploys the CloudFormation stacks of this environment in order (`aws cloudformation deploy`):",
        "stack.yaml first, then the alarm stacks" + (", then each other group's (<key>/stack.yaml, as stack"
                                                     if d.other_groups else ". A template above the 51,200 bytes that"),
        *(["<stack name>-<key>). A template above the 51,200 bytes that"] if d.other_groups else []),
        "--template-body takes is uploaded to S3 first (--s3-bucket, or $CACHEGEN_TEMPLATE_BUCKET).",
    ], options=[cli.Option("stack_name", "--stack-name", "the main stack's name", metavar="NAME",
                           default=d.replication_group_id),
                cli.Option(own["variable"], own["flag"], "S3 bucket for templates above 51,200 bytes", metavar="BUCKET",
                           default_variable=own["environment"]),
                *(cli.Option(b["variable"], b["flag"], f"S3 bucket in {b['region']} for its templates above 51,200 bytes",
                             metavar="BUCKET", default_variable=b["environment"])
                  for b in buckets.values() if b["region"])],  # the secondaries' regions
        stacks=[{**s, "bucket": Shell(s["bucket"]["variable"])} for s in stacks], buckets_needed=[{
            "variable": Shell(b["variable"]), "region_text": shell_word(b["region"] or d.region),
            "flag": Shell(b["flag"]), "environment": Shell(b["environment"])}
            for b in {s["bucket"]["variable"]: s["bucket"] for s in stacks if s["needs_s3"]}.values()],
        max_body=body_max)
