"""Runs AWS CLI command lines through the real AWS CLI (awscli) up to the point where a
request would be sent: the command line is parsed, the parameters are built and
validated by botocore against the service model, then the call is stopped."""

from __future__ import annotations

import contextlib
import io
import os
import shlex
from dataclasses import dataclass, field
from typing import Any

STDIN_PLACEHOLDER = "stdin-value-for-validation"


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
        self.driver.session.register("before-parameter-build", self._before_parameter_build)
        self.driver.session.register("before-call", self._before_call)

    def _before_parameter_build(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        assert self.current is not None
        self.current.operation = model.name
        self.current.params = dict(params)

    def _before_call(self, **_: Any) -> None:
        assert self.current is not None
        self.current.validated = True
        raise _Stop()

    def check(self, command_line: str) -> Checked:
        argv = shlex.split(command_line)
        assert argv[0] == "aws", command_line
        # a parameter read from a pipe at run time (the AUTH token) gets a stand-in value
        argv = [STDIN_PLACEHOLDER if a == "file:///dev/stdin" else a for a in argv[1:]]
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
        return [a for a in argv if a.startswith("--") and a[2:] not in known]
