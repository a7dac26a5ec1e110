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
