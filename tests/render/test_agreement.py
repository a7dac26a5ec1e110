"""The CloudFormation stacks and the CLI scripts create the same resources with the same
settings: every property of every resource, read back from each artifact independently
(cfn-lint's YAML reader for the stacks; the real AWS CLI's parser for every command that
`create.sh --dry-run` prints) and brought to the API's shape by this test's own mapping."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from awscli_check import STDIN_PLACEHOLDER, AwsCli
from conftest import COMMITTED_SPECS, TEST_SPECS

SPECS = COMMITTED_SPECS + sorted(TEST_SPECS.glob("*.yaml"))
RUN_TIME = "<run-time>"  # a value only known when the resources exist (an id, an ARN, the token)
PLACEHOLDERS = {"<security-group-id>", "<topic-arn>", STDIN_PLACEHOLDER, "endpoint.placeholder.invalid"}


@pytest.fixture(scope="module")
def awscli() -> AwsCli:
    return AwsCli()


def _artifacts(spec: Path, tmp: Path) -> list[tuple[dict[str, Any], list[str]]]:
    """Per group of the environment: its stacks' resources and the commands its create.sh runs
    (the spec's own create.sh with each other group's script skipped: each is read on its own)."""
    from cfnlint.decode import cfn_yaml

    from cachegen.compiler import compile_spec, render

    _, d = compile_spec(spec)
    files = render(d)
    for name, text in files.items():
        if name.startswith("cli/"):
            (tmp / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp / name).write_text(text)
    out = []
    for group in d.all_groups:
        folder = f"{group.group_key}/" if group.group_key else ""
        resources: dict[str, Any] = {}
        for name, text in files.items():
            if name.startswith(f"cloudformation/{folder}") and name.endswith(".yaml") and \
                    "/" not in name[len(f"cloudformation/{folder}"):]:
                resources.update(cfn_yaml.loads(text)["Resources"])
        skips = [arg for other in d.other_groups if other is not group for arg in ("--skip", f"group-{other.group_key}")]
        run = subprocess.run(["bash", str(tmp / "cli" / folder / "create.sh"), "--dry-run", *skips],
                             capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
        assert run.returncode == 0, run.stderr
        out.append((resources, [line for line in run.stdout.splitlines() if line.startswith("aws ")]))
    return out


def _cli_calls(awscli: AwsCli, commands: list[str]) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for line in commands:
        checked = awscli.check(line)
        assert checked.validated, f"{line}\n{checked.error}"
        out.append((checked.operation, _run_time(checked.params)))
    return out


def _run_time(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _run_time(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_run_time(v) for v in value]
    return RUN_TIME if value in PLACEHOLDERS else value


def _tags(tags: list[dict[str, str]]) -> list[tuple[str, str]]:
    return sorted((t["Key"], t["Value"]) for t in tags)


# --- CloudFormation -> the API calls it stands for ----------------------------------------

def _cfn_value(resources: dict[str, Any], value: Any) -> Any:
    """A literal, or what an intrinsic function resolves to when it names a resource's name."""
    if isinstance(value, dict) and len(value) == 1:
        [(function, argument)] = value.items()
        if function == "Ref" and argument in resources:
            properties = resources[argument]["Properties"]
            return {"AWS::ElastiCache::SubnetGroup": properties.get("CacheSubnetGroupName"),
                    "AWS::ElastiCache::ParameterGroup": properties.get("CacheParameterGroupName"),
                    "AWS::ElastiCache::User": properties.get("UserId"),
                    "AWS::ElastiCache::UserGroup": properties.get("UserGroupId"),
                    "AWS::Logs::LogGroup": properties.get("LogGroupName"),
                    "AWS::ElastiCache::ReplicationGroup": properties.get("ReplicationGroupId"),
                    }.get(resources[argument]["Type"], RUN_TIME)
        if function == "Fn::Join":
            separator, parts = argument
            return separator.join(_cfn_value(resources, p) for p in parts)
        if function in ("Fn::GetAtt", "Fn::Sub"):
            return RUN_TIME
    if isinstance(value, dict):
        return {k: _cfn_value(resources, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_cfn_value(resources, v) for v in value]
    return value


ACCOUNT = "123456789012"  # what create.sh --dry-run prints for the caller's account


def _unsub(value: Any) -> Any:
    """A document whose strings may be {"Fn::Sub": text}: each as its text."""
    if isinstance(value, dict):
        if set(value) == {"Fn::Sub"}:
            return value["Fn::Sub"]
        return {k: _unsub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unsub(v) for v in value]
    return value


def _permissions(entries: list[dict[str, Any]]) -> list[tuple]:
    out = []
    for e in entries:
        source = e.get("SourceSecurityGroupId") or e.get("CidrIp") or e.get("CidrIpv6")
        kind = "group" if "SourceSecurityGroupId" in e else "ipv4" if "CidrIp" in e else "ipv6"
        out.append((e["IpProtocol"], e["FromPort"], e["ToPort"], kind, source, e["Description"]))
    return sorted(out)


def _api_permissions(permissions: list[dict[str, Any]]) -> list[tuple]:
    out = []
    for p in permissions:
        for key, kind, member in (("UserIdGroupPairs", "group", "GroupId"), ("IpRanges", "ipv4", "CidrIp"),
                                  ("Ipv6Ranges", "ipv6", "CidrIpv6")):
            out += [(p["IpProtocol"], p["FromPort"], p["ToPort"], kind, s[member], s["Description"])
                    for s in p.get(key, [])]
    return sorted(out)


def expected_from_stack(resources: dict[str, Any]) -> dict[tuple[str, str], Any]:
    """(operation, resource name) -> the API input the resource stands for."""
    out: dict[tuple[str, str], Any] = {}
    for resource in resources.values():
        p = _cfn_value(resources, resource["Properties"])
        kind = resource["Type"]
        if kind == "AWS::ElastiCache::SubnetGroup":
            out[("CreateCacheSubnetGroup", p["CacheSubnetGroupName"])] = {
                "CacheSubnetGroupName": p["CacheSubnetGroupName"], "CacheSubnetGroupDescription": p["Description"],
                "SubnetIds": p["SubnetIds"], "Tags": _tags(p["Tags"])}
        elif kind == "AWS::EC2::SecurityGroup":
            out[("CreateSecurityGroup", p["GroupName"])] = {
                "GroupName": p["GroupName"], "Description": p["GroupDescription"], "VpcId": p["VpcId"],
                "TagSpecifications": [("security-group", _tags(p["Tags"]))]}
            out[("AuthorizeSecurityGroupIngress", p["GroupName"])] = _permissions(p["SecurityGroupIngress"])
        elif kind == "AWS::ElastiCache::ParameterGroup":
            name = p["CacheParameterGroupName"]
            out[("CreateCacheParameterGroup", name)] = {
                "CacheParameterGroupName": name, "CacheParameterGroupFamily": p["CacheParameterGroupFamily"],
                "Description": p["Description"], "Tags": _tags(p["Tags"])}
            out[("ModifyCacheParameterGroup", name)] = p["Properties"]
        elif kind == "AWS::SecretsManager::Secret":
            create = {k: p[k] for k in ("Name", "Description", "KmsKeyId") if k in p}
            out[("CreateSecret", p["Name"])] = {**create, "SecretString": RUN_TIME, "Tags": _tags(p["Tags"])}
            out[("GetRandomPassword", p["Name"])] = p["GenerateSecretString"]
        elif kind == "AWS::SNS::Topic":
            topic = {"Name": p["TopicName"]}
            if "KmsMasterKeyId" in p:
                topic["Attributes"] = {"KmsMasterKeyId": p["KmsMasterKeyId"]}
            out[("CreateTopic", p["TopicName"])] = {**topic, "Tags": _tags(p["Tags"])}
            out[("Subscribe", p["TopicName"])] = sorted((s["Protocol"], s["Endpoint"]) for s in p.get("Subscription", []))
        elif kind == "AWS::Logs::LogGroup":
            out[("CreateLogGroup", p["LogGroupName"])] = {"logGroupName": p["LogGroupName"],
                                                          **({"kmsKeyId": p["KmsKeyId"]} if "KmsKeyId" in p else {}),
                                                          "tags": dict(_tags(p["Tags"]))}
            out[("PutRetentionPolicy", p["LogGroupName"])] = {"logGroupName": p["LogGroupName"],
                                                              "retentionInDays": p["RetentionInDays"]}
        elif kind == "AWS::ElastiCache::ReplicationGroup":
            out[("CreateReplicationGroup", p["ReplicationGroupId"])] = {**p, "Tags": _tags(p["Tags"])}
        elif kind == "AWS::CloudWatch::Alarm":
            out[("PutMetricAlarm", p["AlarmName"])] = {**p, "Tags": _tags(p["Tags"])}
        elif kind == "AWS::ElastiCache::User":
            out[("CreateUser", p["UserId"])] = {**p, "Tags": _tags(p["Tags"])}
        elif kind == "AWS::ElastiCache::UserGroup":
            out[("CreateUserGroup", p["UserGroupId"])] = {**p, "Tags": _tags(p["Tags"])}
        elif kind == "AWS::IAM::ManagedPolicy":  # the account id: ${AWS::AccountId} here, the caller's in the script
            raw = json.dumps(resource["Properties"]["PolicyDocument"]).replace("${AWS::AccountId}", ACCOUNT)
            out[("CreatePolicy", p["ManagedPolicyName"])] = {
                "PolicyName": p["ManagedPolicyName"], "Description": p["Description"],
                "PolicyDocument": _unsub(json.loads(raw))}
        elif kind == "AWS::ElastiCache::ServerlessCache":  # its final snapshot: DeleteServerlessCache's, not create's
            out[("CreateServerlessCache", p["ServerlessCacheName"])] = {
                **{k: v for k, v in p.items() if k != "FinalSnapshotName"}, "Tags": _tags(p["Tags"])}
        elif kind == "AWS::ApplicationAutoScaling::ScalableTarget":
            out[("RegisterScalableTarget", p["ScalableDimension"])] = p
        elif kind == "AWS::ApplicationAutoScaling::ScalingPolicy":
            target = resources[resource["Properties"]["ScalingTargetId"]["Ref"]]["Properties"]
            out[("PutScalingPolicy", p["PolicyName"])] = {
                "PolicyName": p["PolicyName"], **{k: target[k] for k in ("ServiceNamespace", "ResourceId",
                                                                          "ScalableDimension")},
                "PolicyType": p["PolicyType"],
                "TargetTrackingScalingPolicyConfiguration": p["TargetTrackingScalingPolicyConfiguration"]}
        elif kind == "AWS::ElastiCache::GlobalReplicationGroup":  # its only member: the primary, in the stack's region
            [member] = p["Members"]
            assert member["Role"] == "PRIMARY" and member["ReplicationGroupRegion"] == {"Ref": "AWS::Region"}, member
            out[("CreateGlobalReplicationGroup", p["GlobalReplicationGroupIdSuffix"])] = {
                "GlobalReplicationGroupIdSuffix": p["GlobalReplicationGroupIdSuffix"],
                "GlobalReplicationGroupDescription": p["GlobalReplicationGroupDescription"],
                "PrimaryReplicationGroupId": member["ReplicationGroupId"]}
        elif kind == "AWS::Route53::RecordSet":  # an UPSERT of the one record (TTL: a string in the stack)
            out[("ChangeResourceRecordSets", p["Name"])] = {"HostedZoneId": p["HostedZoneId"], "ChangeBatch": {
                "Changes": [{"Action": "UPSERT", "ResourceRecordSet": {
                    "Name": p["Name"], "Type": p["Type"], "TTL": int(p["TTL"]),
                    "ResourceRecords": [{"Value": v} for v in p["ResourceRecords"]]}}]}}
        elif kind == "AWS::CloudWatch::Dashboard":
            out[("PutDashboard", p["DashboardName"])] = {"DashboardName": p["DashboardName"],
                                                         "DashboardBody": json.loads(p["DashboardBody"])}
        else:
            raise AssertionError(f"no mapping for {kind}: extend this test")
    return out


NAMES = {"CreateCacheSubnetGroup": "CacheSubnetGroupName", "CreateSecurityGroup": "GroupName",
         "CreateCacheParameterGroup": "CacheParameterGroupName", "ModifyCacheParameterGroup": "CacheParameterGroupName",
         "CreateSecret": "Name", "CreateTopic": "Name", "CreateLogGroup": "logGroupName",
         "PutRetentionPolicy": "logGroupName", "CreateReplicationGroup": "ReplicationGroupId",
         "PutMetricAlarm": "AlarmName", "PutDashboard": "DashboardName", "CreateUser": "UserId",
         "CreateUserGroup": "UserGroupId", "CreatePolicy": "PolicyName",
         "RegisterScalableTarget": "ScalableDimension", "PutScalingPolicy": "PolicyName",
         "CreateServerlessCache": "ServerlessCacheName",
         "CreateGlobalReplicationGroup": "GlobalReplicationGroupIdSuffix"}


def found_in_scripts(calls: list[tuple[str, dict[str, Any]]], stack: dict[tuple[str, str], Any]) -> dict:
    """The same (operation, resource name) keys, read from the commands create.sh runs."""
    out: dict[tuple[str, str], Any] = {}
    groups = [name for op, name in stack if op == "CreateSecurityGroup"]
    topics = [name for op, name in stack if op == "CreateTopic"]
    generated: Any = None
    for operation, params in calls:
        if operation in NAMES:
            name = params[NAMES[operation]]
            if operation == "CreateTopic" and "Tags" not in params:
                continue  # looks the topic's ARN up again (CreateTopic is idempotent)
            value: Any = dict(params)
            if "Tags" in value:
                value["Tags"] = _tags(value["Tags"])
            if operation == "CreateLogGroup":
                value["tags"] = dict(sorted(value["tags"].items()))
            if operation == "CreateSecurityGroup":
                value["TagSpecifications"] = [(s["ResourceType"], _tags(s["Tags"])) for s in value["TagSpecifications"]]
            if operation == "ModifyCacheParameterGroup":
                value = {**out.get((operation, name), {}),
                         **{p["ParameterName"]: p["ParameterValue"] for p in params["ParameterNameValues"]}}
            if operation == "PutDashboard":
                value["DashboardBody"] = json.loads(value["DashboardBody"])
            if operation == "CreatePolicy":
                value["PolicyDocument"] = json.loads(value["PolicyDocument"])
            out[(operation, name)] = value
        elif operation == "ChangeResourceRecordSets":  # one record per change, named in the change
            [change] = params["ChangeBatch"]["Changes"]
            out[(operation, change["ResourceRecordSet"]["Name"])] = params
        elif operation == "AuthorizeSecurityGroupIngress":
            [name] = groups
            out[(operation, name)] = sorted(out.get((operation, name), []) + _api_permissions(params["IpPermissions"]))
        elif operation == "Subscribe":
            [name] = topics
            out[(operation, name)] = sorted(out.get((operation, name), []) + [(params["Protocol"], params["Endpoint"])])
        elif operation == "GetRandomPassword":  # generates the value of the secret created next
            generated = params
        if operation == "CreateSecret":
            out[("GetRandomPassword", params["Name"])] = generated
    for key in stack:  # a topic without subscribers subscribes nobody
        if key[0] == "Subscribe" and key not in out:
            out[key] = []
    return out


@pytest.mark.parametrize("spec", SPECS, ids=[s.stem for s in SPECS])
def test_stack_and_scripts_agree_on_every_resource(spec, awscli, tmp_path):
    for resources, commands in _artifacts(spec, tmp_path):
        stack = expected_from_stack(resources)
        scripts = found_in_scripts(_cli_calls(awscli, commands), stack)
        assert set(stack) == set(scripts), (set(stack) ^ set(scripts))
        kinds = {resource["Type"] for resource in resources.values()}
        assert {"AWS::ElastiCache::SubnetGroup", "AWS::ElastiCache::ReplicationGroup"} <= kinds or \
            "AWS::ElastiCache::ServerlessCache" in kinds
        for key in sorted(stack):
            assert stack[key] == scripts[key], f"{spec.stem}: {key}"
