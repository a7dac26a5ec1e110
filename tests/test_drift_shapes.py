"""Drift of the shapes moto does not implement, with botocore's Stubber: every call and every
answer is checked against the AWS API model. A serverless cache as created is no drift and a
changed limit is; Application Auto Scaling's targets and policies likewise; an auto-scaled
group's member count is drift only outside the bounds."""

from __future__ import annotations

import boto3
from botocore.stub import Stubber

from conftest import SPEC_DIR, TEST_SPECS


def _client(service: str):
    return boto3.client(service, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")


def _serverless_answer(create: dict) -> dict:
    """DescribeServerlessCaches' answer for a cache created with `create` (as AWS reports it)."""
    keys = ("ServerlessCacheName", "Description", "Engine", "MajorEngineVersion", "CacheUsageLimits", "KmsKeyId",
            "SecurityGroupIds", "SubnetIds", "SnapshotRetentionLimit", "DailySnapshotTime")
    cache = {key: create[key] for key in keys if key in create and key != "SecurityGroupIds"}
    cache["UserGroupId"] = create["UserGroupId"].resource and "ai-job-matching-serverless-cache-users"
    return {"ServerlessCaches": [cache]}


def test_a_serverless_cache_as_created_is_no_drift_and_a_changed_limit_is():
    from cachegen import drift
    from cachegen.compiler import compile_spec
    from cachegen.plan import SERVERLESS

    _, d = compile_spec(SPEC_DIR / "serverless.yaml")
    cache = d.group("cache")
    create = cache.plan.get(SERVERLESS).calls["CreateServerlessCache"]
    answer = _serverless_answer(create)
    assert answer["ServerlessCaches"][0]["UserGroupId"] == cache.user_group_id
    for edit, expected in ((lambda c: c, []),
                           (lambda c: {**c, "CacheUsageLimits": {"DataStorage": {"Maximum": 40, "Unit": "GB"}}},
                            [("serverless cache", "CacheUsageLimits")])):
        client = _client("elasticache")
        with Stubber(client) as stub:
            stub.add_response("describe_serverless_caches", {"ServerlessCaches": [edit(answer["ServerlessCaches"][0])]},
                              {"ServerlessCacheName": cache.serverless.name})
            found = [(x.resource, x.setting) for x in drift._serverless_cache(cache, cache.plan, lambda _: client)]
        assert found == expected


def test_auto_scaling_as_registered_is_no_drift_and_a_changed_bound_is():
    from cachegen import drift
    from cachegen.compiler import compile_spec

    _, d = compile_spec(SPEC_DIR / "scale.yaml")
    group = d.group("cache")
    targets = group.plan.of_type("AWS::ApplicationAutoScaling::ScalableTarget")
    policies = group.plan.of_type("AWS::ApplicationAutoScaling::ScalingPolicy")
    registered = [{**t.calls["RegisterScalableTarget"], "RoleARN": "arn:aws:iam::123456789012:role/x",
                   "CreationTime": "2026-11-29T00:00:00Z"} for t in targets]
    put = [{**{k: p.calls["PutScalingPolicy"][k] for k in ("PolicyName", "ServiceNamespace", "ResourceId",
                                                            "ScalableDimension", "PolicyType",
                                                            "TargetTrackingScalingPolicyConfiguration")},
            "PolicyARN": f"arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:x:resource/{i}",
            "CreationTime": "2026-11-29T00:00:00Z"} for i, p in enumerate(policies)]
    resource_id = registered[0]["ResourceId"]
    for edit, expected in ((lambda t: t, []), (lambda t: {**t, "MaxCapacity": t["MaxCapacity"] + 1}, "MaxCapacity")):
        client = _client("application-autoscaling")
        with Stubber(client) as stub:
            stub.add_response("describe_scalable_targets", {"ScalableTargets": [edit(t) for t in registered]},
                              {"ServiceNamespace": "elasticache", "ResourceIds": [resource_id]})
            stub.add_response("describe_scaling_policies", {"ScalingPolicies": put},
                              {"ServiceNamespace": "elasticache", "ResourceId": resource_id})
            found = [x.setting for x in drift._auto_scaling(group, group.plan, lambda _: client)]
        assert found == ([] if expected == [] else [expected] * len(registered))


def test_an_auto_scaled_groups_size_is_drift_only_outside_its_bounds():
    from cachegen import drift
    from cachegen.compiler import compile_spec

    _, d = compile_spec(TEST_SPECS / "tiering.yaml")
    group = d.group("cache")
    assert drift._node_bounds(group) == (2 * 2, 4 * 2)  # shards 2-4, one replica each
    assert group.plan.get("ReplicationGroup").calls["CreateReplicationGroup"]["DataTieringEnabled"] is True


def test_a_global_datastore_with_its_members_is_no_drift_a_missing_secondary_is_and_each_member_is_read_in_its_region():
    """The primary's datastore is compared member by member (role aside: failover-region.sh moves
    the primary), and every call about a member goes to that member's region, whatever the session's."""
    from cachegen import drift
    from cachegen.compiler import compile_spec

    _, d = compile_spec(TEST_SPECS / "global.yaml")
    west = d.group("west")
    gds = d.global_datastore
    assert gds.role == "primary" and west.global_datastore.role == "secondary" and west.global_datastore.id == gds.id
    members = [{"ReplicationGroupId": d.replication_group_id, "ReplicationGroupRegion": "us-east-1", "Role": "SECONDARY"},
               {"ReplicationGroupId": west.replication_group_id, "ReplicationGroupRegion": "us-west-2",
                "Role": "PRIMARY"}]  # after a failover to us-west-2: still no drift
    for live, expected in ((members, []), (members[:1], [("global datastore", "Members")])):
        client = _client("elasticache")
        with Stubber(client) as stub:
            stub.add_response("describe_global_replication_groups",
                              {"GlobalReplicationGroups": [{"GlobalReplicationGroupId": gds.id, "Members": live}]},
                              {"GlobalReplicationGroupId": gds.id, "ShowMemberInfo": True})
            found = [(x.resource, x.setting) for x in drift._global_datastore(d, d.plan, lambda _: client)]
        assert found == expected
    assert list(drift._global_datastore(west, west.plan, lambda _: None)) == []  # the primary's check covers it

    asked: list[tuple[str, str | None]] = []

    def denied(**_):  # every call answered AccessDenied before it leaves: check() records it and goes on
        from types import SimpleNamespace
        return SimpleNamespace(status_code=403), {"Error": {"Code": "AccessDenied", "Message": "stubbed"}}

    def client(service: str, region_name: str | None = None):
        made = boto3.client(service, region_name=region_name or "us-east-1", aws_access_key_id="x",
                            aws_secret_access_key="x")
        made.meta.events.register("before-call", lambda **kwargs: asked.append((service, made.meta.region_name))
                                  or denied())
        return made

    report = drift.check(d, client)
    assert not report.differences and len(report.not_checked) > 2
    regions = {region for _, region in asked}
    assert regions == {"us-east-1", "us-west-2"}
    assert ("elasticache", "us-west-2") in asked  # the secondary's replication group, in its region
