"""`cachegen env`: reads the endpoint and the token or the users' passwords from AWS (moto) and
writes a private .env."""

from __future__ import annotations

import stat
import subprocess

import pytest

from conftest import SPEC_DIR, run_cli

TOKEN = "Abc!#$^def&<>-ghi0123456789xyz"  # every special character AWS allows


def _deploy(spec: str, secrets_by_name) -> object:
    """A spec's replication group and secrets, created in moto the way create.sh would."""
    import boto3

    from cachegen.compiler import compile_spec

    _, d = compile_spec(SPEC_DIR / spec)
    ec2 = boto3.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    elasticache = boto3.client("elasticache")
    secrets = boto3.client("secretsmanager")
    # one moto server serves the whole session and cannot delete subnet groups: create once
    existing = {g["ReplicationGroupId"] for g in elasticache.describe_replication_groups()["ReplicationGroups"]}
    if d.replication_group_id not in existing:
        elasticache.create_cache_subnet_group(CacheSubnetGroupName=d.subnet_group_name,
                                              CacheSubnetGroupDescription="test", SubnetIds=[subnet])
        elasticache.create_replication_group(
            ReplicationGroupId=d.replication_group_id, ReplicationGroupDescription="t", Engine="redis",
            CacheNodeType=d.node.name, NumCacheClusters=2, CacheSubnetGroupName=d.subnet_group_name,
            TransitEncryptionEnabled=True, **({"AuthToken": TOKEN} if d.auth_secret_name else {}))
        for credential in d.credentials:
            secrets.create_secret(Name=credential.secret_name, SecretString=secrets_by_name(credential.secret_name))
    return d


@pytest.fixture
def deployed(aws_env, tmp_path):
    """perf's replication group and AUTH token."""
    return _deploy("perf.yaml", lambda name: TOKEN)


def _user_password(secret_name: str) -> str:
    """A different password per user: the role's word, then every special character AWS allows."""
    return secret_name.rsplit("/", 1)[-1] + "-password!#$^&<>-0123456789"


def test_writes_a_private_env_outside_out(deployed, tmp_path):
    result = run_cli("env", SPEC_DIR / "perf.yaml", cwd=tmp_path)
    assert result.code == 0, result.err
    path = tmp_path / ".cachegen" / "perf.env"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert "REDIS_PASSWORD='" + TOKEN + "'" in text
    assert "%21%23%24%5E" in text and "__REDIS_" not in text
    assert "rediss://:" in text and ".cache.amazonaws.com:6379/0?ssl_cert_reqs=required" in text
    assert (tmp_path / ".cachegen" / ".gitignore").read_text().strip().endswith("*")
    assert TOKEN not in result.err + result.out


def test_rbac_env_gives_each_url_its_roles_user_and_never_the_operator(aws_env, tmp_path):
    from urllib.parse import quote

    d = _deploy("prod.yaml", _user_password)
    result = run_cli("env", SPEC_DIR / "prod.yaml", cwd=tmp_path)
    assert result.code == 0, result.err
    text = (tmp_path / ".cachegen" / "prod.env").read_text()
    for url in d.urls:
        password = quote(_user_password(url.credential.secret_name), safe="")
        assert f"{url.variable}='rediss://{url.user}:{password}@" in text, url.variable
    [cache] = [u for u in d.users if u.role == "cache"]
    assert f"REDIS_USERNAME='{cache.user_name}'" in text and "REDIS_KEY_PREFIX='cache:'" in text
    assert "operator" not in text, "the application's env file must not hold the operator's password"
    assert "password" not in result.err + result.out


def test_refuses_a_git_tracked_or_unignored_path(deployed, tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "app.env").write_text("old\n")
    subprocess.run(["git", "-C", str(tmp_path), "add", "app.env"], check=True)
    tracked = run_cli("env", SPEC_DIR / "perf.yaml", "--output", tmp_path / "app.env", cwd=tmp_path)
    assert tracked.code == 2 and "tracked by git" in tracked.err
    assert (tmp_path / "app.env").read_text() == "old\n"
    loose = run_cli("env", SPEC_DIR / "perf.yaml", "--output", tmp_path / "loose.env", cwd=tmp_path)
    assert loose.code == 2 and "not git-ignored" in loose.err
    inside_out = run_cli("env", SPEC_DIR / "perf.yaml", "--output", tmp_path / "out" / "x.env", cwd=tmp_path)
    assert inside_out.code == 2 and "inside out/" in inside_out.err
    default = run_cli("env", SPEC_DIR / "perf.yaml", cwd=tmp_path)
    assert default.code == 0, default.err
    ignored = subprocess.run(["git", "-C", str(tmp_path), "check-ignore", "-q", ".cachegen/perf.env"])
    assert ignored.returncode == 0


def test_missing_deployment_is_reported_not_a_traceback(aws_env, tmp_path):
    result = run_cli("env", SPEC_DIR / "dev.yaml", "--output", tmp_path / "dev.env", cwd=tmp_path)
    assert result.code == 1 and "cannot read the deployment" in result.err
    assert "Traceback" not in result.err and not (tmp_path / "dev.env").exists()


def test_endpoint_from_the_stack_outputs():
    import boto3
    from botocore.stub import Stubber

    from cachegen.commands.env import _AwsProblem, _endpoint_from_stack

    client = boto3.client("cloudformation", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
    session = type("Session", (), {"client": lambda self, name: client})()
    stubber = Stubber(client)
    stack = {"StackName": "cache-prod", "CreationTime": "2026-11-28T00:00:00Z", "StackStatus": "CREATE_COMPLETE",
             "Outputs": [{"OutputKey": "PrimaryEndpoint", "OutputValue": "master.x.use1.cache.amazonaws.com"},
                         {"OutputKey": "Port", "OutputValue": "6379"}]}
    stubber.add_response("describe_stacks", {"Stacks": [stack]}, {"StackName": "cache-prod"})
    stubber.add_response("describe_stacks", {"Stacks": [{**stack, "Outputs": []}]}, {"StackName": "other"})
    with stubber:
        assert _endpoint_from_stack(session, "cache-prod") == ("master.x.use1.cache.amazonaws.com", 6379)
        with pytest.raises(_AwsProblem):
            _endpoint_from_stack(session, "other")


def test_a_serverless_caches_endpoint_comes_from_describe_serverless_caches():
    """moto has no serverless caches: botocore's Stubber checks the call and the answer against the
    ElastiCache API model instead."""
    import boto3
    from botocore.stub import Stubber

    from cachegen.commands import env as command
    from cachegen.compiler import compile_spec

    _, d = compile_spec(SPEC_DIR / "serverless.yaml")
    cache = d.group("cache")
    client = boto3.client("elasticache", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    address = f"{cache.serverless.name}-abc123.serverless.use1.cache.amazonaws.com"
    with Stubber(client) as stub:
        stub.add_response("describe_serverless_caches", {"ServerlessCaches": [{
            "ServerlessCacheName": cache.serverless.name, "Endpoint": {"Address": address, "Port": 6379}}]},
            {"ServerlessCacheName": cache.serverless.name})
        session = type("Session", (), {"client": lambda self, name: client})()
        assert command._endpoint_from_group(session, cache) == (address, 6379)
        stub.assert_no_pending_responses()
