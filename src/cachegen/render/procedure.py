"""Change procedures (`cachegen.procedures`) as a readable plan (Markdown) and an AWS CLI script.

The script shares the other CLI scripts' header, options and helpers (`--dry-run`, `--skip`);
each step is numbered, and the script stops before every step that clients notice: it says
what they will see and exits, and `--from N` (after the clients are ready) goes on from there.
Every AWS CLI command is built from the procedure's API inputs by `render.cli.cli_args`, and a
secret value travels on a pipe, read from Secrets Manager at run time.
"""

from __future__ import annotations

from typing import Any

from ..model import Deployment
from ..procedures import Action, Call, Captured, Procedure, Secret, Secrets
from .cli import FROM_STDIN, Option, ShellVar, cli_args, operation_name, query, render_script
from .escape import Shell, comment, jmespath, shell_word
from .escape import markdown as md

# 0: from the first step, stopping before any step clients notice; N: from step N, past its stop
FROM = Option("start", "--from", "start at step N, past its stop (once the clients are ready); 0: from the start",
              metavar="N", default="0")


def _secrets_in(value: Any) -> tuple[str, list[Secret]] | None:
    """(printf format, secrets) of the one piped member of an input, if any."""
    if isinstance(value, Secret):
        return "%s", [value]
    if isinstance(value, Secrets):  # the pattern admits no quote or backslash: each value is a JSON string as it is
        return "[" + ",".join('"%s"' for _ in value.values) + "]", list(value.values)
    return None


def _command(call: Call, extra: list[Shell] | None = None) -> tuple[list[Shell], tuple[str, list[Secret]] | None]:
    """The call's AWS CLI words (a piped member read from /dev/stdin) and what is piped."""
    piped = None
    members: dict[str, Any] = {}
    for key, value in call.input.items():
        found = _secrets_in(value)
        if found:
            if piped:
                raise ValueError(f"{call.operation}: two piped members")
            piped, value = found, FROM_STDIN
        elif isinstance(value, Captured):
            value = ShellVar(value.name)
        elif isinstance(value, list):
            value = [ShellVar(v.name) if isinstance(v, Captured) else v for v in value]
        members[key] = value
    words = [Shell(f"{call.service} {operation_name(call.operation)}"),
             *cli_args(None, members, (call.service, call.operation)), *(extra or [])]
    return words, piped


def _action(d: Deployment, action: Action) -> dict[str, Any]:
    call = action.call
    if action.kind == "wait":
        return {"kind": "wait", "command": [Shell(f"{call.service} wait {call.operation}"), *cli_args(None, call.input)]}
    if action.kind in ("capture", "poll"):
        words, _ = _command(call, [query(_expression(action))])
        return {"kind": action.kind, "command": words, "variable": Shell(action.variable or ""),
                "want": shell_word(action.want or ""), "placeholder": shell_word(action.placeholder or action.want or ""),
                "minutes": action.minutes, "optional": action.optional}
    words, piped = _command(call)
    guarded = action.kind == "run" and action.check is not None
    out: dict[str, Any] = {"kind": action.kind, "command": words, "log": shell_word(_describe(call)),
                           "block": _block(d, words, piped, 4 if action.kind == "create" or guarded or action.when else 2),
                           "guard": None, "when": None}
    if action.when:  # only with the first variable set, and different from the others
        first, *others = action.when
        out["when"] = Shell(" && ".join([f'-n ${first}', f'${first} != None', *(f'${first} != "${o}"' for o in others)]))
    if guarded:
        assert action.check is not None
        check, _ = _command(action.check, [query(_expression(action))])
        out["guard"] = {"check": check, "want": shell_word(action.want or "")}
        return out
    if action.check:
        out["check"], _ = _command(action.check)
    if action.generator:
        out["generate"], _ = _command(action.generator, [query("RandomPassword")])
        out["pending"], _ = _command(Call("secretsmanager", "GetSecretValue",
                                          {"SecretId": call.input["SecretId"], "VersionStage": "AWSPENDING"})) \
            if action.kind == "new_version" else (None, None)
        out["kind"] = action.kind
    return out


def _block(d: Deployment, words: list[Shell], piped: tuple[str, list[Secret]] | None, indent: int) -> Shell:
    """The lines that run a command: each secret read and checked first when a member is piped."""
    pad = " " * indent
    lines = []
    if piped:
        format_, secrets = piped
        for number, secret in enumerate(secrets, start=1):
            read = [Shell("secretsmanager get-secret-value"),
                    *cli_args(None, {"SecretId": secret.secret_name, "VersionStage": secret.stage}), query("SecretString")]
            lines += [f"{pad}pattern={shell_word(secret.pattern)}",
                      f'{pad}value_{number}=$(aws_value "<secret-value>" {_lines(read, indent + 2)})',
                      f"{pad}if ! ((dry_run)) && [[ ! $value_{number} =~ $pattern ]]; then",
                      f"{pad}  printf 'the secret %s does not hold a valid value\\n' "
                      f"{shell_word(f'{secret.secret_name} ({secret.stage})')} >&2",
                      f"{pad}  exit 1", f"{pad}fi"]
        values = " ".join(f'"$value_{number}"' for number in range(1, len(secrets) + 1))
        lines.append(f"{pad}printf {shell_word(format_)} {values} | aws_run {_lines(words, indent + 2)} >/dev/null")
        lines.append(f"{pad}unset " + " ".join(f"value_{number}" for number in range(1, len(secrets) + 1)))
    else:
        lines.append(f"{pad}aws_run {_lines(words, indent + 2)} >/dev/null")
    return Shell("\n".join(lines))


def _lines(words: list[Shell], indent: int) -> str:
    return (" \\\n" + " " * indent).join(words)


def _expression(action: Action) -> str:
    """The action's JMESPath query, each {} a JMESPath literal of one of its values."""
    return jmespath(action.query or "", *action.query_values) if action.query_values else action.query or ""


def _describe(call: Call) -> str:
    """A log line: the operation and the resource it acts on."""
    names = [v for k, v in call.input.items() if k.endswith(("Id", "Name")) and isinstance(v, str)]
    return f"{call.operation} {names[0]}" if names else call.operation


def script(d: Deployment, procedures: list[Procedure], title: str, name: str = "apply.sh",
           regenerate: str = "change the specs and run `cachegen plan` again") -> str:
    steps = []
    for procedure in procedures:
        for step in procedure.steps:
            steps.append({"number": len(steps) + 1, "procedure": comment(procedure.title), "title": comment(step.title),
                          "log": shell_word(f"step {len(steps) + 1}: {step.title}"),
                          "clients": shell_word(step.clients) if step.clients else None,
                          "actions": [_action(d, action) for action in step.actions]})
    numbers = [str(s["number"]) for s in steps]
    return render_script(name, d, "cli/procedure.sh.j2", numbers, [
        title,
        "Runs the steps in order and stops before each step that clients notice, saying what they will",
        "see: roll the clients, then run it again with --from N. After a failure, run it again with",
        "--from the failed step: creations check what exists and deletions what is gone, so a step can",
        "run twice. --dry-run prints every command without AWS access.",
    ], options=[FROM], regenerate=regenerate, steps_list=steps)


def markdown(d: Deployment, procedures: list[Procedure], old_label: str, new_label: str) -> str:
    lines = [f"# Change plan: {md(old_label)} -> {md(new_label)}", "",
             f"Replication group `{md(d.replication_group_id)}` in {md(d.region)}. "
             "Generated by `cachegen plan`; run `apply.sh` (it stops before each step marked **clients**).", ""]
    if not procedures:
        lines += ["Nothing to do outside CloudFormation: `deploy.sh` (or `create.sh`) applies the change.", ""]
    number = 0
    for procedure in procedures:
        lines += [f"## {md(procedure.title)}", ""]
        lines += [f"Follows: {', '.join(procedure.sources)}", ""]
        if procedure.blocked:
            lines += [f"**Cannot run as the specs stand:** {md(procedure.blocked)}", ""]
        for step in procedure.steps:
            number += 1
            lines.append(f"{number}. {md(step.title)}")
            if step.clients:
                lines.append(f"   - **clients:** {md(step.clients)} (the script stops before this step)")
            for action in step.actions:
                target = _describe(action.call).partition(" ")[2]
                lines.append(f"   - `{action.call.service} {operation_name(action.call.operation)}`"
                             + (f" {md(target)}" if target else "")
                             + (" (if missing)" if action.kind in ("create", "new_secret") else "")
                             + (" (until " + md(action.want or "") + ")" if action.kind == "poll" else ""))
        if procedure.cloudformation:
            lines += ["", f"Then CloudFormation: {md(procedure.cloudformation)}", ""]
        else:
            lines.append("")
        lines += [md(note) for note in procedure.notes]
    return "\n".join(lines).rstrip("\n") + "\n"
