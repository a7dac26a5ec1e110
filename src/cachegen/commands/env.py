"""`cachegen env SPEC`: the deploy-time step that writes the real .env.

Reads the endpoint (from the replication group, or the CloudFormation stack's outputs)
and the AUTH token (Secrets Manager) with boto3, and writes a local .env with the token
percent-encoded in the URLs: mode 0600, outside out/, in a git-ignored place. It refuses
to write a file git tracks or does not ignore: a real token must never be committed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .. import aws
from ..compiler import compile_spec
from ..model import Deployment
from ..plan import ENDPOINT_PATHS, endpoint_attribute
from ..render.app import env_text, secrets_needed, url_host
from ..render.escape import UnsafeValue

DEFAULT_DIR = Path(".cachegen")
EXIT_AWS = 1


class Refused(Exception):
    pass


def run(spec: Path, output: Path | None, stack: str | None, region: str | None, out_dir: Path) -> int:
    _, deployment = compile_spec(spec)
    if deployment is None:
        print(f"{spec}: abstract spec (a base for others): no environment to read", file=sys.stderr)
        return 2
    target = output or DEFAULT_DIR / f"{deployment.environment}.env"
    try:
        if output is None:
            _ensure_ignored_dir(target.parent)
        _check_target(target, out_dir)
    except Refused as refusal:
        print(f"refusing: {refusal}", file=sys.stderr)
        return 2
    try:
        endpoints, passwords = _read_aws(deployment, stack, region or deployment.region)
    except _AwsProblem as problem:
        print(f"cannot read the deployment from AWS: {problem}", file=sys.stderr)
        return EXIT_AWS
    try:
        text = env_text(deployment, endpoints, passwords)
    except UnsafeValue as problem:
        print(f"refusing: {problem}", file=sys.stderr)
        return EXIT_AWS
    _write_private(target, text)
    shown = ", ".join(f"{host}:{port}" for host, port in endpoints.values())
    print(f"wrote {target} (mode 0600; git-ignored): endpoint{'s' if len(endpoints) > 1 else ''} {shown}",
          file=sys.stderr)
    return 0


def _ensure_ignored_dir(directory: Path) -> None:
    """The default directory carries its own .gitignore, so nothing in it is ever committed."""
    directory.mkdir(parents=True, exist_ok=True)
    ignore = directory / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# written by `cachegen env`: local secrets, never committed\n*\n", encoding="utf-8")


def _check_target(target: Path, out_dir: Path) -> None:
    resolved = target.resolve()
    if resolved.is_relative_to(out_dir.resolve()):
        raise Refused(f"{target} is inside {out_dir}/, which holds committed artifacts")
    if resolved.is_dir():
        raise Refused(f"{target} is a directory")
    directory = resolved.parent
    directory.mkdir(parents=True, exist_ok=True)
    if _git(directory, "rev-parse", "--is-inside-work-tree") != 0:
        return  # not in a git work tree: nothing to commit it by mistake
    if _git(directory, "ls-files", "--error-unmatch", resolved.name) == 0:
        raise Refused(f"{target} is tracked by git; a file holding passwords must never be committed")
    if _git(directory, "check-ignore", "-q", resolved.name) != 0:
        raise Refused(f"{target} is not git-ignored; add it to .gitignore (or use the default .cachegen/ location)")


def _git(cwd: Path, *args: str) -> int:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True).returncode
    except OSError:
        return 1  # no git: treated as outside a work tree


class _AwsProblem(Exception):
    pass


def _read_aws(d: Deployment, stack: str | None, region: str
              ) -> tuple[dict[str | None, tuple[str, int]], dict[str, str]]:
    """Each group's endpoint (from its group, or its stack: <stack>-<key> for another group, as
    deploy.sh names it) and the secrets the application's URLs need."""
    boto3 = aws.boto3("env")  # only this command talks to AWS
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        session = boto3.session.Session(region_name=region)
        # a Global Datastore member is read in the region the spec gives it
        sessions = {group.group_key: boto3.session.Session(region_name=group.region)
                    if group.global_datastore is not None else session for group in d.all_groups}
        endpoints = {
            group.group_key: _endpoint_from_stack(sessions[group.group_key],
                                                  "-".join(p for p in (stack, group.group_key) if p))
            if stack else _endpoint_from_group(sessions[group.group_key], group)
            for group in d.all_groups}
        # a group whose URLs name its DNS record keeps the record (the endpoint was read: the group exists)
        endpoints.update({group.group_key: (url_host(group), endpoints[group.group_key][1])
                          for group in d.all_groups if url_host(group)})
        passwords = {}
        needed = secrets_needed(d)
        if needed:
            secrets = session.client("secretsmanager")
            passwords = {name: secrets.get_secret_value(SecretId=name)["SecretString"] for name in needed}
    except (BotoCoreError, ClientError) as error:
        raise _AwsProblem(str(error)) from None
    return endpoints, passwords


def _endpoint_from_group(session, d: Deployment) -> tuple[str, int]:
    import jmespath  # boto3's own dependency

    client = session.client("elasticache")
    if d.serverless:
        [cache] = client.describe_serverless_caches(ServerlessCacheName=d.serverless.name)["ServerlessCaches"]
        if "Address" not in cache.get("Endpoint", {}):
            raise _AwsProblem(f"{d.serverless.name} has no endpoint yet (status {cache.get('Status')}): "
                              "run this again once it is available")
        return cache["Endpoint"]["Address"], int(cache["Endpoint"]["Port"])
    [group] = client.describe_replication_groups(ReplicationGroupId=d.replication_group_id)["ReplicationGroups"]
    endpoint = jmespath.search(ENDPOINT_PATHS[endpoint_attribute(d)], group)
    if not endpoint or "Address" not in endpoint:  # a group still being created has none yet
        raise _AwsProblem(f"{d.replication_group_id} has no endpoint yet (status {group.get('Status')}): "
                          "run this again once it is available")
    return endpoint["Address"], int(endpoint["Port"])


def _endpoint_from_stack(session, stack: str) -> tuple[str, int]:
    client = session.client("cloudformation")
    [described] = client.describe_stacks(StackName=stack)["Stacks"]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
    if "PrimaryEndpoint" not in outputs or "Port" not in outputs:
        raise _AwsProblem(f"stack {stack} has no PrimaryEndpoint/Port outputs (is it a cachegen stack?)")
    return outputs["PrimaryEndpoint"], int(outputs["Port"])


def _write_private(target: Path, text: str) -> None:
    """Created 0600 from the first byte (no window in which another user could read it)."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, text.encode("utf-8"))
    finally:
        os.close(fd)
