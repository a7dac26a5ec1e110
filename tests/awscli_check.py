"""Runs AWS CLI command lines through the real AWS CLI (awscli) up to the point where a
request would be sent: the command line is parsed, the parameters are built and
validated by botocore against the service model, then the call is stopped."""

from __future__ import annotations

import contextlib
import io
import os
import shlex
import subprocess
from dataclasses import dataclass, field
from typing import Any

STDIN_PLACEHOLDER = "stdin-value-for-validation"


def bash_words(lines: list[str]) -> list[list[str]]:
    """The words bash reads from each line (printf %q may write $'...' quoting, which shlex
    cannot read): one bash process for all the lines, each only assigned, never run."""
    if all("$'" not in line for line in lines):
        return [shlex.split(line) for line in lines]
    script = "".join(f"set -- {line}\nprintf '%s\\0' \"$@\"\nprintf '\\1\\0'\n" for line in lines)
    # on stdin: a large build's script is longer than an argument may be (E2BIG)
    out = subprocess.run(["bash"], input=script.encode("utf-8", "surrogateescape"), capture_output=True,
                         check=True).stdout
    commands, words = [], []
    for word in out.split(b"\0")[:-1]:
        if word == b"\1":
            commands.append(words)
            words = []
        else:
            words.append(word.decode("utf-8", "surrogateescape"))
    return commands


# options whose value the scripts pipe in as a JSON list, not as a plain string
LIST_FROM_STDIN = {"--passwords"}


def _stdin_value(argument: str) -> str:
    option = argument.split("=", 1)[0]
    return f'["{STDIN_PLACEHOLDER}"]' if option in LIST_FROM_STDIN else STDIN_PLACEHOLDER


class _Stop(Exception):
    """Raised where botocore would send the request: everything before it has passed."""


@dataclass
class Checked:
    argv: list[str]
    operation: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    validated: bool = False
    error: str = ""


class AwsCli:
    def __init__(self) -> None:
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "validation-only")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "validation-only")
        from awscli.clidriver import create_clidriver

        self.driver = create_clidriver()
        self.current: Checked | None = None
        self._reuse_clients()
        self.driver.session.register("before-parameter-build", self._before_parameter_build)
        self.driver.session.register("before-call", self._before_call)

    def _reuse_clients(self) -> None:
        """One botocore client per service and settings, not one per command line: building a
        client is most of a check's time, and nothing a check does changes the client."""
        session = self.driver.session
        create = session.create_client
        clients: dict[str, Any] = {}

        def create_client(*args: Any, **kwargs: Any) -> Any:
            key = repr((args, sorted(kwargs.items())))
            if key not in clients:
                clients[key] = create(*args, **kwargs)
            return clients[key]

        session.create_client = create_client

    def _before_parameter_build(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        assert self.current is not None
        self.current.operation = model.name
        # members botocore fills in by itself (idempotency tokens) are not the script's
        generated = {name for name, shape in model.input_shape.members.items()
                     if shape.metadata.get("idempotencyToken")} if model.input_shape else set()
        self.current.params = {k: v for k, v in params.items() if k not in generated}

    def _before_call(self, **_: Any) -> None:
        assert self.current is not None
        self.current.validated = True
        raise _Stop()

    def check(self, command_line: str | list[str]) -> Checked:
        """One command line as `--dry-run` prints it (bash's quoting), or its words."""
        argv = bash_words([command_line])[0] if isinstance(command_line, str) else list(command_line)
        assert argv[0] == "aws", command_line
        # a parameter read from a pipe at run time (the AUTH token) gets a stand-in value, in the
        # form the script pipes it: a user's Passwords as a JSON list (printf '["%s"]')
        argv = [STDIN_PLACEHOLDER if a == "file:///dev/stdin" else
                a.replace("=file:///dev/stdin", "=" + _stdin_value(a)) if a.endswith("=file:///dev/stdin") else a
                for a in argv[1:]]
        self.current = checked = Checked(argv)
        abbreviated = self._abbreviated_options(argv)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                self.driver.main(argv)
            except SystemExit:  # argparse's way of rejecting a command line
                pass
        checked.error = err.getvalue().strip()
        if abbreviated:  # argparse accepts prefixes; a generated script must spell options out
            checked.validated = False
            checked.error += f"\nabbreviated or unknown options: {abbreviated}"
        return checked

    def _abbreviated_options(self, argv: list[str]) -> list[str]:
        """Options that are not spelled exactly as the AWS CLI names them."""
        known = set(self.driver._get_argument_table())  # global options: --region, --query, ...
        services = self.driver._get_command_table()
        at = next(i for i, a in enumerate(argv) if a in services)
        operation = argv[at + 1]
        command = services[argv[at]]._get_command_table().get(operation)
        if command is None:
            return [operation]
        if operation == "wait":
            command = command.subcommand_table[argv[at + 2]]
        known |= set(command.arg_table)
        return [a for a in argv if a.startswith("--") and a[2:].split("=", 1)[0] not in known]
