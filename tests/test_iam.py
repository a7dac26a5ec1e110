"""IAM authentication (security.auth.mode: iam), as far as it can be proven without AWS.

What runs here: the generated token provider signs ElastiCache's `connect` action with
botocore (the token's shape, its user, its 15-minute lifetime, its renewal); the version check
refuses a kombu or Celery too old to pass a provider on; and on a real redis-server with TLS and
the spec's users, a real Celery worker and the connection script authenticate through the
providers named in the generated URLs (each provider's signing is replaced by the local user's
password: nothing else can be checked offline). What cannot run here: ElastiCache accepting a
token, and the IAM policy allowing it; cfn-lint, the AWS CLI and botocore check their shape.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from conftest import SPEC_DIR, TEST_SPECS, free_port, start_redis
from test_app_real_redis import TOKEN_ALPHABET, _tls_material

FAKE_AWS = {"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "AWS_DEFAULT_REGION": "us-east-1"}


@pytest.fixture(scope="module")
def iam():
    from cachegen.compiler import compile_spec, render

    _, d = compile_spec(TEST_SPECS / "iam.yaml")
    assert d.auth_mode == "iam"
    return d, render(d)


def _module(files, tmp_path: Path):
    path = tmp_path / "elasticache_iam.py"
    path.write_text(files["app/elasticache_iam.py"])
    spec = importlib.util.spec_from_file_location(f"elasticache_iam_{tmp_path.name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_provider_signs_a_connect_token_for_its_user(iam, tmp_path, monkeypatch):
    d, files = iam
    for key, value in FAKE_AWS.items():
        monkeypatch.setenv(key, value)
    module = _module(files, tmp_path)
    provider = module.BrokerCredentials()
    [broker] = [u for u in d.users if u.role == "broker"]
    user, token = provider.get_credentials()
    assert user == broker.user_name == broker.user_id  # IAM: the name must equal the id
    host, _, query = token.partition("/?")
    params = parse_qs(query)
    assert host == d.replication_group_id and not token.startswith("https://")
    assert params["Action"] == ["connect"] and params["User"] == [user]
    assert params["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"] and params["X-Amz-Expires"] == ["900"]
    assert re.fullmatch(r"AKIAIOSFODNN7EXAMPLE/\d{8}/us-east-1/elasticache/aws4_request", params["X-Amz-Credential"][0])
    assert re.fullmatch(r"[0-9a-f]{64}", params["X-Amz-Signature"][0])
    assert provider.get_credentials() == (user, token), "a token is reused while it is valid"
    provider._renew_at = 0.0
    provider.get_credentials()
    assert provider._renew_at > 0.0, "a new token was made once the old one was due"
    assert module.CacheCredentials().get_credentials()[0] != user


def test_a_serverless_caches_provider_says_so_and_its_policy_names_the_cache(tmp_path, monkeypatch):
    """A serverless cache's token carries ResourceType=ServerlessCache and its host is the cache's
    name; its connect policy names serverlesscache:<name>; the other group's users sign as before."""
    from cachegen.compiler import compile_spec, render

    for key, value in FAKE_AWS.items():
        monkeypatch.setenv(key, value)
    _, d = compile_spec(TEST_SPECS / "serverless_redis.yaml")
    files = render(d)
    module = _module(files, tmp_path)
    cache = d.group("cache")
    _, token = module.CacheCredentials().get_credentials()
    host, _, query = token.partition("/?")
    assert host == cache.replication_group_id.lower() and parse_qs(query)["ResourceType"] == ["ServerlessCache"]
    _, token = module.BrokerCredentials().get_credentials()
    assert token.partition("/?")[0] == d.replication_group_id and "ResourceType" not in token
    [policy] = [r for r in cache.plan.of_type("AWS::IAM::ManagedPolicy") if r.id == "CacheConnectPolicy"]
    resources = policy.calls["CreatePolicy"]["PolicyDocument"]["Statement"][0]["Resource"]
    assert resources[0].parts[-1] == f":serverlesscache:{cache.replication_group_id}"


def test_a_global_datastore_secondarys_providers_sign_for_its_region(tmp_path, monkeypatch):
    """A secondary's users stand by for the primary's roles under names of their own (WestBroker...),
    each signing for the secondary's region and cache; the primary's sign for the environment's; its
    connect policies name the secondary's region."""
    from cachegen.compiler import compile_spec, render

    for key, value in FAKE_AWS.items():
        monkeypatch.setenv(key, value)
    (tmp_path / "base.yaml").write_text((SPEC_DIR / "base.yaml").read_text())
    (tmp_path / "global.yaml").write_text((TEST_SPECS / "global.yaml").read_text().replace("../../spec/base.yaml",
                                                                                         "base.yaml"))
    spec = tmp_path / "iam_global.yaml"
    spec.write_text("extends: global.yaml\nsecurity:\n  at_rest_encryption: {kms_key_id: alias/k}\n"
                    "  auth: {mode: iam}\n")
    _, d = compile_spec(spec)
    module = _module(render(d), tmp_path)
    west = d.group("west")
    for provider, group, region in ((module.BrokerCredentials(), d, "us-east-1"),
                                    (module.WestBrokerCredentials(), west, "us-west-2")):
        user, token = provider.get_credentials()
        host, _, query = token.partition("/?")
        assert host == group.replication_group_id and user.startswith(group.replication_group_id)
        assert re.fullmatch(rf"AKIAIOSFODNN7EXAMPLE/\d{{8}}/{region}/elasticache/aws4_request",
                            parse_qs(query)["X-Amz-Credential"][0])
    [policy] = [r for r in west.plan.of_type("AWS::IAM::ManagedPolicy") if r.id == "BrokerConnectPolicy"]
    resources = policy.calls["CreatePolicy"]["PolicyDocument"]["Statement"][0]["Resource"]
    assert all(":us-west-2:" in "".join(p for p in r.parts if isinstance(p, str)) for r in resources)


def test_too_old_kombu_or_celery_is_refused_by_name(iam, tmp_path, monkeypatch):
    import kombu

    _, files = iam
    module = _module(files, tmp_path)
    module.require_celery_support()  # the installed versions take providers
    monkeypatch.setattr(kombu, "__version__", "5.5.4")
    with pytest.raises(ImportError, match=r"kombu 5\.6\.1 or later \(installed: 5\.5\.4\)"):
        module.require_celery_support()


def test_the_stack_gives_each_user_iam_and_its_own_connect_policy(iam):
    from cfnlint.decode import cfn_yaml

    d, files = iam
    resources = cfn_yaml.loads(files["cloudformation/stack.yaml"])["Resources"]
    users = {r["Properties"]["UserName"]: r["Properties"] for r in resources.values()
             if r["Type"] == "AWS::ElastiCache::User"}
    assert users.pop("default")["NoPasswordRequired"] is True
    assert all(p["AuthenticationMode"] == {"Type": "iam"} and "Passwords" not in p for p in users.values())
    policies = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::IAM::ManagedPolicy"]
    assert len(policies) == len(users)
    for policy in policies:
        [statement] = policy["PolicyDocument"]["Statement"]
        assert statement["Action"] == "elasticache:Connect"
        arns = [r["Fn::Sub"] for r in statement["Resource"]]
        assert arns[0].endswith(f":replicationgroup:{d.replication_group_id}")
        assert arns[1].split(":user:")[1] + "-connect" == policy["ManagedPolicyName"]
    assert not [r for r in resources.values() if r["Type"] == "AWS::SecretsManager::Secret"], "IAM keeps no secret"


# Stands in for the generated module on a local server: the same classes, each giving its user's
# local password instead of a signed token (a local server cannot check IAM tokens).
LOCAL_PROVIDERS = textwrap.dedent("""\
    import json, os
    import redis
    from generated_iam import *  # noqa: F401,F403  the generated module, as written
    from generated_iam import ElastiCacheIAMCredentials, require_celery_support  # noqa: F401

    PASSWORDS = json.loads(os.environ["LOCAL_IAM_PASSWORDS"])
    CALLS = os.environ["LOCAL_IAM_CALLS"]


    def _local(self):
        with open(CALLS, "a") as calls:
            calls.write(type(self).__name__ + "\\n")
        return self.user, PASSWORDS[self.user]


    ElastiCacheIAMCredentials.__init__ = lambda self: None
    ElastiCacheIAMCredentials.get_credentials = _local
    """)

TASKS = "from celery import Celery\napp = Celery('probe')\napp.config_from_object('celeryconfig')\n" \
        "@app.task\ndef add(x, y):\n    return x + y\n"


def test_celery_and_the_check_script_authenticate_through_the_providers(iam, tmp_path):
    """The URLs carry no password: that the worker round-trips a task and the check script passes
    proves kombu, Celery's result backend and the script took each role's provider from them."""
    import json
    import shutil

    import redis

    d, files = iam
    tls = _tls_material(tmp_path)
    passwords = {u.user_name: "".join(__import__("secrets").choice(TOKEN_ALPHABET) for _ in range(32))
                 for u in d.users if u.authentication == "iam"}
    conf = (files["app/redis.conf"].replace("__TLS_CERT_FILE__", str(tls["cert"]))
            .replace("__TLS_KEY_FILE__", str(tls["key"])).replace("__TLS_CA_FILE__", str(tls["ca"]))
            .replace("__DATA_DIR__", str(tmp_path)))
    for user in d.users:
        if user.authentication == "iam":
            from cachegen import access

            conf = conf.replace(access.password_placeholder(user.role), passwords[user.user_name])
    assert "__" not in re.sub(r"#.*", "", conf)
    (tmp_path / "redis.conf").write_text(conf + "user probe-admin on >probe-admin-password ~* &* +@all\n")
    port = free_port()
    admin = redis.Redis(port=port, username="probe-admin", password="probe-admin-password", ssl=True,
                        ssl_ca_certs=str(tls["ca"]), ssl_cert_reqs="required", socket_timeout=5)
    server = start_redis([shutil.which("redis-server"), str(tmp_path / "redis.conf"), "--tls-port", str(port)], admin)
    try:
        (tmp_path / "generated_iam.py").write_text(files["app/elasticache_iam.py"])
        (tmp_path / "elasticache_iam.py").write_text(LOCAL_PROVIDERS)
        (tmp_path / "celeryconfig.py").write_text(files["app/celeryconfig.py"])
        (tmp_path / "probe_tasks.py").write_text(TASKS)
        (tmp_path / "check_connection.py").write_text(files["app/check_connection.py"])
        from cachegen.render.app import env_text

        (tmp_path / ".env").write_text(env_text(d, {None: ("127.0.0.1", port)}, {}))
        env = {**os.environ, "SSL_CERT_FILE": str(tls["ca"]), "REDIS_CA_CERTS": str(tls["ca"]),
               "PYTHONPATH": str(tmp_path), "LOCAL_IAM_PASSWORDS": json.dumps(passwords),
               "LOCAL_IAM_CALLS": str(tmp_path / "calls")}
        for line in (tmp_path / ".env").read_text().splitlines():
            if line and not line.startswith("#"):
                key, value = line.split("=", 1)
                env[key] = value.strip("'")
        assert "@127.0.0.1" in env["CELERY_BROKER_URL"] and ":" not in env["CELERY_BROKER_URL"].split("//")[1].split("@")[0]
        worker = subprocess.Popen([sys.executable, "-m", "celery", "-A", "probe_tasks", "worker", "--pool=solo",
                                   "--loglevel=INFO"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
        try:
            client = subprocess.run([sys.executable, "-c", "import probe_tasks; print(probe_tasks.add.delay(2, 3).get(timeout=60))"],
                                    cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
        finally:
            worker.terminate()
            output, _ = worker.communicate(timeout=60)
        assert client.returncode == 0 and client.stdout.strip() == "5", client.stderr + output[-3000:]
        env.pop("REDIS_URL")
        check = subprocess.run([sys.executable, str(tmp_path / "check_connection.py"), "--env-file", str(tmp_path / ".env")],
                               cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
        assert check.returncode == 0, check.stdout + check.stderr
        calls = set((tmp_path / "calls").read_text().split())
        assert {"BrokerCredentials", "ResultBackendCredentials", "CacheCredentials"} <= calls
        denied = [(e["username"], e["object"]) for e in admin.acl_log()]
        [cache] = [u.user_name for u in d.users if u.role == "cache"]
        assert denied == [(cache, "info")], "only the check script's INFO, which it reports as not allowed"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_drift_compares_each_connect_policy(iam, aws_env):
    """moto (server mode) implements IAM: the policies as create.sh makes them are no drift; an
    edited document is."""
    import json

    import boto3

    from cachegen import drift

    d, _ = iam
    client = boto3.client("iam")
    account = boto3.client("sts").get_caller_identity()["Account"]
    for resource in d.plan.of_type("AWS::IAM::ManagedPolicy"):
        create = resource.calls["CreatePolicy"]
        document = json.loads(json.dumps(create["PolicyDocument"], default=lambda j: "".join(
            account if not isinstance(p, str) else p for p in j.parts)))
        client.create_policy(PolicyName=create["PolicyName"], PolicyDocument=json.dumps(document))
    report = drift.check(d, lambda service: boto3.client(service))
    assert not [x for x in report.differences if x.resource.startswith("IAM policy")]
    assert "IAM policies" not in dict(report.not_checked)
    [first] = [p for p in client.list_policies(Scope="Local")["Policies"]
               if p["PolicyName"] == d.plan.of_type("AWS::IAM::ManagedPolicy")[0].name]
    client.create_policy_version(PolicyArn=first["Arn"], SetAsDefault=True, PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "elasticache:*", "Resource": "*"}]}))
    report = drift.check(d, lambda service: boto3.client(service))
    assert [x.setting for x in report.differences if x.resource.startswith("IAM policy")] == ["PolicyDocument"]


def test_drift_reads_users_by_meaning_and_authentication(iam):
    """Key and channel patterns in any order are the same rules; command rules in another order are
    not (they apply left to right); a password user where the plan has IAM is drift."""
    from types import SimpleNamespace

    from cachegen import drift

    d, _ = iam
    wanted = {u.user_id: u for u in d.users}

    class Users:
        exceptions = SimpleNamespace(UserNotFoundFault=LookupError)

        def __init__(self, edit):
            self.edit = edit

        def describe_users(self, UserId):
            user = wanted[UserId]
            live = {"UserId": UserId, "UserName": user.user_name, "Engine": d.engine,
                    "AccessString": user.access_string,
                    "Authentication": {"Type": drift.AUTHENTICATION[user.authentication]}}
            return {"Users": [self.edit(live)]}

    def differences(edit):
        return [(x.resource, x.setting) for x in drift._users(d, d.plan, lambda service: Users(edit))]

    assert differences(lambda u: u) == []
    reordered = lambda u: {**u, "AccessString": " ".join(sorted(u["AccessString"].split(), key=lambda r: r[0] != "&"))}
    assert differences(reordered) == []  # channels first: the same rules
    [operator] = [u for u in d.users if u.role == "operator"]
    swapped = lambda u: {**u, "AccessString": u["AccessString"].replace("+@all -@dangerous", "-@dangerous +@all")}
    assert differences(swapped) == [(f"user {operator.user_id}", "AccessString")]
    password = lambda u: {**u, "Authentication": {"Type": "password"}} if u["UserName"] != "default" else u
    assert {s for _, s in differences(password)} == {"Authentication"}


def test_deploy_acknowledges_the_named_iam_policies(iam, tmp_path):
    """CloudFormation creates a named IAM resource only with CAPABILITY_NAMED_IAM: deploy.sh passes it
    for a stack that has IAM policies, and only for such a stack."""
    from cachegen.compiler import compile_spec, render

    from conftest import SPEC_DIR

    def deployed(files) -> str:
        path = tmp_path / "deploy.sh"
        path.write_text(files["cloudformation/deploy.sh"])
        run = subprocess.run(["bash", str(path), "--dry-run", "--s3-bucket", "b"], capture_output=True, text=True,
                             env={"PATH": "/usr/bin:/bin"})
        assert run.returncode == 0, run.stderr
        return run.stdout

    _, files = iam
    assert "--capabilities=CAPABILITY_NAMED_IAM" in deployed(files)
    assert "CAPABILITY" not in deployed(render(compile_spec(SPEC_DIR / "prod.yaml")[1]))
