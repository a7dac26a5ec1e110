"""Connection test for the ElastiCache Redis/Valkey endpoint of this application.

Usage:
    python check_connection.py [--env-file PATH] [--url URL] [--cluster]

The URL comes from --url, else the REDIS_URL environment variable, else REDIS_URL in the
env file (default: the one .cachegen/<environment>.env that `cachegen env SPEC` wrote, else .env).
Set REDIS_CA_CERTS to a CA bundle for a private CA (rediss:// only). A cluster-mode group
(REDIS_CLUSTER=true in the environment or the env file, as `cachegen env` writes it, or
--cluster) is reached with redis-py's cluster client through its configuration endpoint.

It runs PING, SET (a throw-away key with a 60 s expiry), GET and DEL, then prints a few
server facts. On failure it prints `FAILED: <step>` and the likely causes. The password is
never printed. Exit status: 0 when every step passed, 1 otherwise.

Needs only redis-py (`pip install redis`); the rest is the standard library.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import socket
import ssl
import sys
from pathlib import Path
from urllib.parse import unquote

try:
    import redis
except ImportError:
    sys.exit("check_connection.py needs redis-py: pip install redis")

# the stand-ins of .env.example: __REDIS_HOST__, __REDIS_PASSWORD__, __BROKER_PASSWORD__, ...
PLACEHOLDER = re.compile(r"__[A-Z][A-Z_]*__")
TIMEOUT = 5  # seconds; a reachable ElastiCache node answers in milliseconds
KEY_TTL = 60  # the test key expires even if DEL never runs

# Every printed text goes through say(), which replaces these with ****.
_SECRETS: list[str] = []


class Failure(Exception):
    """An expected failure: what went wrong and the likely causes."""

    def __init__(self, what: str, hints: list[str]):
        super().__init__(what)
        self.what = what
        self.hints = hints


def say(text: str = "", err: bool = False) -> None:
    for secret in sorted(_SECRETS, key=len, reverse=True):
        text = text.replace(secret, "****")
    if err:
        sys.stdout.flush()  # keep stdout and stderr in order when both go to one log
    print(text, file=sys.stderr if err else sys.stdout, flush=err)


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines as a shell would read them; no python-dotenv needed."""
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export "):].lstrip()
        key, sep, value = line.partition("=")
        if not sep:
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


# The environment this copy was generated for (cachegen writes it into out/<environment>/app/);
# None in cachegen's own template.
ENVIRONMENT = None


def default_env_file() -> str:
    """`cachegen env SPEC` writes .cachegen/<environment>.env: this environment's, else .env.
    Never another environment's file: that would test the wrong endpoint with its token."""
    if ENVIRONMENT is not None:
        own = Path(".cachegen") / f"{ENVIRONMENT}.env"
        return str(own) if own.is_file() else ".env"
    written = sorted(Path(".cachegen").glob("*.env"))
    return str(written[0]) if len(written) == 1 else ".env"


def find_url(args: argparse.Namespace) -> tuple[str, str]:
    """The URL and where it came from: --url, then $REDIS_URL, then the env file."""
    if args.url:
        return args.url, "--url"
    if os.environ.get("REDIS_URL"):
        return os.environ["REDIS_URL"], "the REDIS_URL environment variable"
    path = Path(args.env_file)
    if not path.is_file():
        raise Failure(f"no Redis URL: {path} does not exist and REDIS_URL is not set",
                      ["pass --url, set REDIS_URL, or write the env file with `cachegen env SPEC` "
                       "(it writes .cachegen/<environment>.env)"])
    try:
        url = read_env_file(path).get("REDIS_URL")
    except (OSError, UnicodeDecodeError) as error:
        raise Failure(f"cannot read {path}: {error}", ["check the file's permissions and encoding (UTF-8)"])
    if not url:
        raise Failure(f"no REDIS_URL in {path}",
                      ["write the env file with `cachegen env SPEC` (into .cachegen/<environment>.env)"])
    return url, str(path)


def split_password(url: str) -> tuple[str, str, str] | None:
    """(text before the password, the password as written, text after it), or None.

    Split by hand rather than with urlsplit: a token pasted without percent-encoding
    (a raw `#` or `?`) would otherwise end up in the "fragment" or "query" part.
    """
    scheme, sep, rest = url.partition("://")
    userinfo, at, host = rest.rpartition("@")  # AUTH tokens cannot hold "@"
    if not (sep and at):
        return None
    user, colon, password = userinfo.partition(":")
    if not colon:  # redis-py reads `redis://token@host` as a password too
        user, password = "", userinfo
    return (f"{scheme}://{user}:", password, f"@{host}") if password else None


def mask(url: str) -> str:
    """The URL with its password as ****; remembers the password so say() scrubs it everywhere."""
    parts = split_password(url)
    if not parts:
        return url
    before, password, after = parts
    _SECRETS.extend({password, unquote(password)})
    return f"{before}****{after}"


def cluster_mode(args: argparse.Namespace) -> bool:
    """--cluster, else REDIS_CLUSTER from the environment, else from the env file."""
    if args.cluster:
        return True
    value = os.environ.get("REDIS_CLUSTER")
    path = Path(args.env_file)
    if value is None and path.is_file():
        try:
            value = read_env_file(path).get("REDIS_CLUSTER")
        except (OSError, UnicodeDecodeError):
            value = None
    return (value or "").strip().lower() == "true"


def env_setting(args: argparse.Namespace, name: str) -> str | None:
    """A setting from the environment, else from the env file."""
    if name in os.environ:
        return os.environ[name]
    path = Path(args.env_file)
    try:
        return read_env_file(path).get(name) if path.is_file() else None
    except (OSError, UnicodeDecodeError):
        return None


def credential_provider(args: argparse.Namespace):
    """IAM: an instance of REDIS_CREDENTIAL_PROVIDER (module.Class, e.g. elasticache_iam.CacheCredentials,
    found beside this script or on the path); None without one."""
    import importlib

    dotted = env_setting(args, "REDIS_CREDENTIAL_PROVIDER")
    if not dotted:
        return None
    module, _, name = dotted.rpartition(".")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    try:
        return getattr(importlib.import_module(module), name)()
    except (ImportError, AttributeError) as error:
        raise Failure(f"REDIS_CREDENTIAL_PROVIDER={dotted}: {error}",
                      ["IAM authentication needs botocore and the generated elasticache_iam.py beside this script",
                       "the process needs AWS credentials of a role holding the user's connect policy"])


def connect(url: str, cluster: bool = False, provider=None) -> "redis.Redis":
    options = {"socket_connect_timeout": TIMEOUT, "socket_timeout": TIMEOUT}
    if provider is not None:  # IAM: the provider signs a token per connection (the URL has no password)
        options["credential_provider"] = provider
    ca_certs = os.environ.get("REDIS_CA_CERTS")
    if ca_certs and url.lower().startswith("rediss://"):
        if not Path(ca_certs).is_file():
            raise Failure(f"REDIS_CA_CERTS={ca_certs} is not a file", ["point REDIS_CA_CERTS at a PEM CA bundle"])
        options["ssl_ca_certs"] = ca_certs
    if cluster:  # keys live on every shard: a plain client gets MOVED for most of them
        from redis.cluster import RedisCluster

        return RedisCluster.from_url(url, **options)
    return redis.Redis.from_url(url, **options)


def nodes(client: "redis.Redis") -> list:
    """(label, target) for each server to ask: the one server, or every primary of a cluster."""
    if hasattr(client, "get_primaries"):
        return [(f"node {node.name}", node) for node in sorted(client.get_primaries(), key=lambda n: n.name)]
    return [(None, None)]


def ask(client: "redis.Redis", command: str, target, *args):
    """One command on one server (target None: the only one)."""
    method = getattr(client, command)
    return method(*args) if target is None else method(*args, target_nodes=target)


def _chain(error: BaseException):
    """The error and the errors it wraps (redis-py wraps socket and ssl errors)."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def diagnose(error: BaseException, url: str) -> list[str]:
    """Likely causes, from the exception types and texts (the first matching rule wins)."""
    errors = list(_chain(error))
    text = " ".join(str(e) for e in errors).lower()
    tls = url.lower().startswith("rediss://")

    def isa(*classes: type) -> bool:
        return any(isinstance(e, classes) for e in errors)

    def has(*needles: str) -> bool:
        return any(needle in text for needle in needles)

    if isa(redis.exceptions.NoPermissionError) or has("noperm"):
        return ["the URL's user may not run this command or touch this key (RBAC): each role's user has "
                "only its role's commands and keys",
                "health figures (INFO, SLOWLOG) need the operator user: pass its URL with --url "
                "(its password is in Secrets Manager, <name>/<environment>/users/operator)"]
    # before the AUTH rule: redis-py raises AuthenticationError for this one too
    if has("without any password configured", "no password is set"):
        return ["the server has no AUTH token: remove the password from the URL"]
    if isa(redis.exceptions.AuthenticationError) or has(
            "wrongpass", "noauth", "invalid password", "invalid username-password"):
        if not split_password(url):
            return ["wrong AUTH token: the URL has no password, but the server requires its AUTH token"]
        if split_password(url)[0].rpartition("//")[2] not in ("", ":"):  # a user name: RBAC
            return ["wrong user name or password: the URL's user does not exist, is switched off, or its "
                    "password is not the one in Secrets Manager",
                    "`cachegen env SPEC` writes each role's user and current password into "
                    ".cachegen/<environment>.env",
                    "special characters in the password (! # $ % ^ & and others) must be percent-encoded in the URL"]
        return ["wrong AUTH token: the password in the URL is not the cluster's AUTH token",
                "compare it with the Secrets Manager value (`cachegen env SPEC` writes the current one "
                "into .cachegen/<environment>.env)",
                "special characters in the token (! # $ % ^ & and others) must be percent-encoded in the URL"]
    if isa(ssl.SSLCertVerificationError) or has("certificate verify failed"):
        return ["the server certificate was not verified: for a private CA set REDIS_CA_CERTS to its bundle",
                "ElastiCache's certificate is publicly trusted: keep ssl_cert_reqs=required and use the endpoint "
                "host name (not an IP address), which the certificate names"]
    # A plain server reads the TLS ClientHello as the start of a command: it either answers
    # in plain text (ssl errors) or waits for the rest of the line (handshake timeout).
    if tls and (isa(ssl.SSLError) or has("wrong version number", "record layer failure", "unknown protocol",
                                         "packet length too long", "handshake operation timed out")):
        return ["TLS mismatch: the server does not speak TLS — use redis:// (in-transit encryption is off)"]
    if isa(socket.gaierror) or has("name or service not known", "nodename nor servname", "name resolution",
                                   "getaddrinfo", "no address associated"):
        return ["the endpoint host name does not resolve: copy it from the console or run "
                "`cachegen env SPEC` (it writes .cachegen/<environment>.env)",
                "the primary endpoint looks like master.<name>.<id>.<region>.cache.amazonaws.com"]
    # A TLS server drops a connection that starts in plain text.
    if not tls and has("closed by server", "connection reset", "broken pipe", "timeout reading"):
        return ["TLS mismatch: the server requires TLS — use rediss:// (in-transit encryption is on)"]
    if isa(redis.exceptions.TimeoutError, ConnectionRefusedError, TimeoutError) or has(
            "timeout", "timed out", "connection refused", "no route to host", "network is unreachable"):
        return ["the security group of the cache must allow the port from this host's security group",
                "this host must be in the cache's VPC (or a peered one); ElastiCache has no public endpoint",
                "the subnet group's subnets must be routable from here (network ACLs, route tables)",
                "check the endpoint host name and port in the URL"]
    if isa(redis.exceptions.ReadOnlyError):
        return ["the URL points at a replica (reader endpoint): use the primary endpoint for writes"]
    if isa(redis.exceptions.MovedError, redis.exceptions.AskError) or has("moved", "cluster"):
        return ["cluster mode is enabled: connect to the configuration endpoint with a cluster client "
                "(REDIS_CLUSTER=true, or --cluster)"]
    return ["unexpected error: see the message above"]


def key_prefix(args: argparse.Namespace) -> str:
    """REDIS_KEY_PREFIX (environment, else the env file): with RBAC the URL's user may touch
    only keys that start with it, so the test key does too."""
    return env_setting(args, "REDIS_KEY_PREFIX") or ""


def run_checks(client: "redis.Redis", url: str, prefix: str = "") -> None:
    key = f"{prefix}cachegen:connection-test:{secrets.token_hex(8)}"
    value = secrets.token_hex(16)
    steps = [
        ("PING", lambda: client.ping(), "PING -> PONG"),
        ("SET", lambda: client.set(key, value, ex=KEY_TTL), f"SET {key} (expires in {KEY_TTL} s)"),
        ("GET", lambda: client.get(key), "GET -> the value written"),
        ("DEL", lambda: client.delete(key), "DEL -> the key is gone"),
    ]
    for name, call, passed in steps:
        try:
            result = call()
        except (redis.exceptions.RedisError, OSError) as error:
            raise Failure(f"{name}: {error}", diagnose(error, url)) from error
        if name == "GET" and result != value.encode():
            raise Failure("GET returned something other than the value written",
                          ["another client changed the key, or a proxy sits between this host and the cache"])
        say(f"ok  {passed}")


def print_server_info(client: "redis.Redis", url: str) -> None:
    for label, target in nodes(client):
        try:
            info = ask(client, "info", target)
        except redis.exceptions.NoPermissionError:  # RBAC: an application's user has no INFO
            say("Server: INFO is not allowed for this user (RBAC: only the operator user runs it)")
            continue
        except (redis.exceptions.RedisError, OSError) as error:
            raise Failure(f"INFO: {error}", diagnose(error, url)) from error
        say(f"Server ({label}):" if label else "Server:")
        for name in ("redis_version", "valkey_version", "used_memory_human", "connected_clients",
                     "total_commands_processed"):
            if name in info:  # valkey_version only on Valkey
                say(f"  {name:<26} {info[name]}")


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):  # never die on a terminal without UTF-8
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    parser = argparse.ArgumentParser(description="Test the connection to the Redis/Valkey endpoint.")
    parser.add_argument("--env-file", default=None,
                        help="env file holding REDIS_URL (default: the one .cachegen/*.env, else .env)")
    parser.add_argument("--url", help="the Redis URL (default: $REDIS_URL, else REDIS_URL from the env file)")
    parser.add_argument("--cluster", action="store_true", help="a cluster-mode group (default: $REDIS_CLUSTER)")
    args = parser.parse_args(argv)
    try:
        args.env_file = args.env_file or default_env_file()
        url, source = find_url(args)
        if PLACEHOLDER.search(url):
            raise Failure(f"REDIS_URL from {source} still holds placeholders (__REDIS_HOST__, __..._PASSWORD__)",
                          ["that file is a template: `cachegen env SPEC` writes the real endpoint and passwords "
                           "into .cachegen/<environment>.env"])
        say(f"URL: {mask(url)} (from {source})")
        try:
            client = connect(url, cluster_mode(args), credential_provider(args))
        except (redis.exceptions.RedisError, OSError) as error:  # the cluster client connects at once
            raise Failure(f"connect: {error}", diagnose(error, url)) from error
        except ValueError as error:  # redis-py rejects the URL itself (scheme, port, query)
            # urllib's message may quote a piece of an unencoded password: show it only without one
            detail = "" if split_password(url) else f": {error}"
            raise Failure(f"invalid URL{detail}",
                          ["expected rediss://:TOKEN@HOST:PORT/DB or redis://HOST:PORT/DB",
                           "special characters in the password (# ? / % and others) must be percent-encoded"])
        run_checks(client, url, key_prefix(args))
        print_server_info(client, url)
    except Failure as failure:
        say(f"FAILED: {failure.what}", err=True)
        say("Likely causes:", err=True)
        for hint in failure.hints:
            say(f"  - {hint}", err=True)
        return 1
    say("Connection test passed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
