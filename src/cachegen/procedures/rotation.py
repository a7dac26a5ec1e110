"""The periodic rotation of the AUTH token or the users' passwords (no spec change)."""

from __future__ import annotations


from ..model import Deployment
from ..plan import user_secret_id
from .steps import (
    AUTH_ROTATION, Action, Call, Captured, DOCS, Procedure, SECRET_STAGES, Secret, Secrets, Step, modify,
    pattern_of, poll_user)


def rotation(d: Deployment) -> Procedure | None:
    """The periodic rotation (no spec change): the AUTH token, or each RBAC user's password.

    A new value is generated into the secret at stage AWSPENDING; the group (or user) accepts
    both values; the secret's AWSCURRENT moves to the new value and clients roll to it
    (cachegen env, restart); then only the new value is accepted."""
    if d.auth_mode == "token" and d.auth_secret_name:
        name = d.auth_secret_name
        steps = [
            Step("generate a new token into the secret (stage AWSPENDING)", (_generate(d, "AuthTokenSecret"),)),
            modify(d, "accept the new token beside the current one (ROTATE)", None,
                    AuthToken=Secret(name, pattern_of(d), "AWSPENDING"), AuthTokenUpdateStrategy="ROTATE"),
            _promote(name),
            modify(d, "accept only the new token (SET), after every client uses it (cachegen env writes it)",
                    "clients still sending the old token are refused", AuthToken=Secret(name, pattern_of(d)),
                    AuthTokenUpdateStrategy="SET"),
        ]
        return Procedure("rotate-token", "Rotate the AUTH token", (AUTH_ROTATION, SECRET_STAGES), tuple(steps),
                         "None: the stack reads the secret by reference; a stack update passes the current token "
                         "again, which the group already has.")
    if d.auth_mode == "rbac":
        steps = []
        for user in d.users:
            if not user.credential:
                continue
            name = user.credential.secret_name
            steps += [
                Step(f"{user.user_name}: generate a new password (stage AWSPENDING)",
                     (_generate(d, user_secret_id(user)),)),
                Step(f"{user.user_name}: accept the new password beside the current one", (
                    Action("run", Call("elasticache", "ModifyUser", {
                        "UserId": user.user_id, "Passwords": Secrets((Secret(name, pattern_of(d)), Secret(name, pattern_of(d), "AWSPENDING")))})),
                    poll_user(user.user_id))),
                _promote(name),
                Step(f"{user.user_name}: accept only the new password (after every client of the role uses it: "
                     f"cachegen env writes it)", (
                    Action("run", Call("elasticache", "ModifyUser", {
                        "UserId": user.user_id, "Passwords": Secrets((Secret(name, pattern_of(d)),))})),
                    poll_user(user.user_id)), clients=f"clients still sending {user.user_name}'s old password "
                                                       f"are refused"),
            ]
        return Procedure("rotate-passwords", "Rotate the RBAC users' passwords",
                         (f"{DOCS}/Clusters.RBAC.html", SECRET_STAGES), tuple(steps),
                         "None: the users read their secrets by reference; a stack update passes the current "
                         "passwords again.")
    return None


def _generate(d: Deployment, resource_id: str) -> Action:
    """A new random value at AWSPENDING (kept if one is pending already: a re-run reuses it)."""
    secret = d.plan.get(resource_id)
    return Action("new_version", Call("secretsmanager", "PutSecretValue", {
        "SecretId": secret.name, "VersionStages": ["AWSPENDING"]}),
        check=Call("secretsmanager", "DescribeSecret", {"SecretId": secret.name}),
        generator=Call("secretsmanager", "GetRandomPassword", dict(secret.calls["GetRandomPassword"])))


def _promote(secret_name: str) -> Step:
    """AWSCURRENT moves to the pending version (the old one becomes AWSPREVIOUS), then AWSPENDING
    is taken off it. A re-run finds no pending version, or finds it current already, and skips."""
    return Step("make the new value the secret's current one (clients reading the secret get it from now on)", (
        Action("capture", Call("secretsmanager", "GetSecretValue", {"SecretId": secret_name, "VersionStage": "AWSPENDING"}),
               query="VersionId", variable="pending_version", placeholder="<version-id-at-AWSPENDING-dry-run>",
               optional=True),
        Action("capture", Call("secretsmanager", "GetSecretValue", {"SecretId": secret_name, "VersionStage": "AWSCURRENT"}),
               query="VersionId", variable="current_version", placeholder="<version-id-at-AWSCURRENT-dry-run>"),
        Action("run", Call("secretsmanager", "UpdateSecretVersionStage", {
            "SecretId": secret_name, "VersionStage": "AWSCURRENT", "MoveToVersionId": Captured("pending_version"),
            "RemoveFromVersionId": Captured("current_version")}), when=("pending_version", "current_version")),
        Action("run", Call("secretsmanager", "UpdateSecretVersionStage", {
            "SecretId": secret_name, "VersionStage": "AWSPENDING", "RemoveFromVersionId": Captured("pending_version")}),
            when=("pending_version",)),
    ))
