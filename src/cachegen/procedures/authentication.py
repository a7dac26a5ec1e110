"""How clients authenticate: AUTH token <-> RBAC, and the users and their access strings."""

from __future__ import annotations

from collections.abc import Sequence

from ..model import Deployment
from ..plan import USER_GROUP
from .steps import (
    AUTH_ROTATION, Action, Call, DOCS, Procedure, RBAC_MIGRATION, Secret, Secrets, Step, create_secret,
    create_users, delete_secret, delete_user, drain, from_plan, modify, pattern_of, poll_user, poll_user_group)


def authentication(old: Deployment, new: Deployment) -> Procedure | None:
    if old.auth_mode == new.auth_mode:
        return None
    if old.auth_mode == "token" and new.auth_mode == "rbac":
        return _token_to_rbac(old, new)
    if old.auth_mode == "rbac" and new.auth_mode == "token":
        return _rbac_to_token(old, new)
    before, after = old.auth_mode or "off", new.auth_mode or "off"
    if "off" in (before, after):
        why = ("turning authentication on or off in place is not generated: move through an AUTH token "
               "(ElastiCache's ROTATE on a group without a token), or replace the group")
    else:  # between passwords (rbac) and IAM, or a token and IAM
        why = (f"{before} -> {after} is not generated: AWS's ModifyUser changes a user's authentication mode in "
               "place, but each role's clients must switch at that same moment; go through rbac, or replace the group")
    return Procedure("authentication", f"Authentication {before} -> {after}", (f"{DOCS}/auth.html", RBAC_MIGRATION),
                     (), "", blocked=why)


# The transitional default user of an AUTH -> RBAC migration: named default, the old AUTH token
# as its password, everything allowed, so clients still sending the token keep working.
MIGRATION_DEFAULT_ACCESS = "on ~* &* +@all"


def _transitional_default(user_id: str, engine: str, token: Secret) -> tuple[Action, ...]:
    """A user named default whose password is an AUTH token and who may do everything: while it is
    in the user group, clients that send the token (AUTH <token> names no user) keep working."""
    return (Action("create", Call("elasticache", "CreateUser", {
        "UserId": user_id, "UserName": "default", "Engine": engine, "AccessString": MIGRATION_DEFAULT_ACCESS,
        "Passwords": Secrets((token,))}), check=Call("elasticache", "DescribeUsers", {"UserId": user_id})),
        poll_user(user_id))


def _change_members(group_id: str, add: Sequence[str] = (), remove: Sequence[str] = ()) -> Action:
    """ModifyUserGroup, skipped on a re-run: while the first user it adds is missing from the group,
    else while the first user it removes is still in it."""
    guard, member = (add[0], "False") if add else (remove[0], "True")
    return Action("run", Call("elasticache", "ModifyUserGroup", {
        "UserGroupId": group_id, **({"UserIdsToAdd": list(add)} if add else {}),
        **({"UserIdsToRemove": list(remove)} if remove else {})}),
        check=Call("elasticache", "DescribeUserGroups", {"UserGroupId": group_id}),
        query="contains(UserGroups[0].UserIds, {})", query_values=(guard,), want=member)


def _token_to_rbac(old: Deployment, new: Deployment) -> Procedure:
    assert new.user_group_id and old.auth_secret_name
    transitional = f"{new.replication_group_id}-default-token"
    group = dict(from_plan(new, USER_GROUP, "CreateUserGroup").input)
    final_members = list(group["UserIds"])
    defaults = [u.user_id for u in new.users if u.user_name == "default"]
    # the group starts with the transitional default user in the default user's place
    group["UserIds"] = [transitional] + [u for u in final_members if u not in defaults]
    steps = [
        Step("create the role users, each with its generated password, and the operator",
             create_users(new, lambda user: user.user_name != "default")),
        Step("create a transitional user named default whose password is the current AUTH token (clients that still "
             "send the token keep working)",
             _transitional_default(transitional, new.engine, Secret(old.auth_secret_name, pattern_of(old)))),
        Step("create the user group", (
            Action("create", Call("elasticache", "CreateUserGroup", group),
                   check=Call("elasticache", "DescribeUserGroups", {"UserGroupId": new.user_group_id})),
            poll_user_group(new.user_group_id))),
        modify(new, "attach the user group; the AUTH token stops being the group's password (DELETE strategy)",
                "a change of the group's authentication: clients sending the AUTH token now authenticate as the "
                "transitional default user and go on working",
                UserGroupIdsToAdd=[new.user_group_id], AuthTokenUpdateStrategy="DELETE"),
        *filter(None, [drain(old, new)]),
        Step("swap the transitional default user for the switched-off one (after every client uses its role's "
             "URL: cachegen env writes them)", create_users(new, lambda user: user.user_name == "default") + (
            _change_members(new.user_group_id, add=defaults, remove=[transitional]),
            poll_user_group(new.user_group_id),
            delete_user(transitional)),
             clients="clients still sending the AUTH token are refused from now on"),
        Step("schedule the AUTH token's secret for deletion", (delete_secret(old.auth_secret_name),)),
    ]
    return Procedure("token-to-rbac", "AUTH token -> RBAC users", (RBAC_MIGRATION,), tuple(steps),
                     "The users, the user group and their secrets now exist outside the stack: import them into it "
                     "(a change set of type IMPORT) before the next deploy.sh, which then removes AuthToken and "
                     "finds UserGroupIds as it describes them.",
                     notes=("Valkey user groups need no default user: the swap step then only removes the "
                            "transitional one.",) if new.engine == "valkey" else ())


def _rbac_to_token(old: Deployment, new: Deployment) -> Procedure:
    """While the user group is attached, a transitional user named default holds the new AUTH token, so
    that clients can move to the token before the users go (no moment when neither works)."""
    assert old.user_group_id and new.auth_secret_name
    transitional = f"{old.replication_group_id.lower()}-default-token"
    defaults = [u.user_id for u in old.users if u.user_name == "default"]
    token = Secret(new.auth_secret_name, pattern_of(new))
    steps = [
        Step("generate the AUTH token into its secret", (create_secret(new, "AuthTokenSecret"),)),
        Step("put a transitional user named default holding the new token in the user group, in the switched-off "
             "default user's place (clients sending the token authenticate as it; the role users still work)", (
            *_transitional_default(transitional, old.engine, token),
            _change_members(old.user_group_id, add=[transitional], remove=defaults),
            poll_user_group(old.user_group_id))),
        *filter(None, [drain(old, new)]),
        modify(new, "detach the user group and make the AUTH token the group's own (ROTATE), after every client "
                     "sends the token (cachegen env writes it)",
                "clients still connecting as their role's user are refused from now on",
                RemoveUserGroups=True, AuthToken=token, AuthTokenUpdateStrategy="ROTATE"),
        modify(new, "require the AUTH token (SET)", None, AuthToken=token, AuthTokenUpdateStrategy="SET"),
        Step("delete the user group and the users, and schedule their secrets for deletion", (
            Action("run", Call("elasticache", "DeleteUserGroup", {"UserGroupId": old.user_group_id}),
                   check=Call("elasticache", "DescribeUserGroups", {"UserGroupId": old.user_group_id}),
                   query="length(UserGroups)", want="1"),
            *[delete_user(user_id) for user_id in [transitional, *(u.user_id for u in old.users)]],
            *[delete_secret(u.credential.secret_name) for u in old.users if u.credential])),
    ]
    return Procedure("rbac-to-token", "RBAC users -> AUTH token", (AUTH_ROTATION, RBAC_MIGRATION), tuple(steps),
                     "Import the AUTH token's secret into the stack before the next deploy.sh; the users and user "
                     "group it still lists are gone and leave the stack with that update.")


def access(old: Deployment, new: Deployment) -> Procedure | None:
    """Users on both sides (RBAC or IAM, unchanged): access strings that change (a key prefix, a role's
    database, a newer engine's commands), users of roles turned on or off."""
    if not (old.users and new.users and old.auth_mode == new.auth_mode):
        return None
    before, after = {u.user_id: u for u in old.users}, {u.user_id: u for u in new.users}
    added = [u for user_id, u in after.items() if user_id not in before]
    removed = [u for user_id, u in before.items() if user_id not in after]
    changed = [u for user_id, u in after.items() if user_id in before and before[user_id].access_string != u.access_string]
    if not (added or removed or changed):
        return None
    steps: list[Step] = []
    if added:
        steps.append(Step(f"create the users of the roles turned on ({', '.join(u.role for u in added)}) and add "
                          f"them to the user group", create_users(new, lambda user: user in added) + (
            _change_members(new.user_group_id, add=[u.user_id for u in added]),
            poll_user_group(new.user_group_id))))
    roll = drain(old, new)
    if roll:
        steps.append(roll)
    if changed:
        steps.append(Step("give each user its new access string", tuple(
            action for user in changed for action in (
                Action("run", Call("elasticache", "ModifyUser", {"UserId": user.user_id,
                                                                 "AccessString": user.access_string})),
                poll_user(user.user_id))),
            clients=None if roll else "clients of a role whose rules narrow may be refused a command"))
    if removed:
        steps.append(Step(f"take the users of the roles turned off ({', '.join(u.role for u in removed)}) out of the "
                          f"user group and delete them", (
            _change_members(old.user_group_id, remove=[u.user_id for u in removed]),
            poll_user_group(old.user_group_id),
            *[delete_user(u.user_id) for u in removed],
            *[delete_secret(u.credential.secret_name) for u in removed if u.credential]),
            clients=f"clients still connecting as {', '.join(u.user_name for u in removed)} are refused"))
    return Procedure("access", "Users and access strings", (RBAC_MIGRATION,), tuple(steps),
                     "The stack update that follows finds the users as it describes them (import the users created "
                     "here first).")
