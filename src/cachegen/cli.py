"""The command line: thin click wrappers around cachegen.commands.* (imported lazily,
so `cachegen --help` stays fast). Exit codes: 0 ok, 1 findings/stale, 2 invalid input
or usage, 3 internal error."""

from __future__ import annotations

import atexit
import gc
import os
import sys
from pathlib import Path

import click

from . import __version__

EXIT_INTERNAL = 3
# Pydantic looks for plugins by scanning every installed distribution's entry points (~8 ms
# per process); plugins instrument validation, which a compiler's internal models never want.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
SPECS = click.argument("specs", nargs=-1, type=click.Path(path_type=Path))
QUIET = click.option("-q", "--quiet", is_flag=True, help="Say nothing when all is well (errors still print).")


def default_specs(specs: tuple[Path, ...]) -> list[Path]:
    """The specs named, or without any every spec/*.yaml: the same default for every command
    that reads specs."""
    if specs:
        return list(specs)
    found = sorted(Path("spec").glob("*.yaml"))
    if not found:
        raise click.UsageError("no SPECS given and no spec/*.yaml here")
    return found


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cachegen")
@click.option("--debug", is_flag=True, help="Show the traceback of an internal error.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Compile ElastiCache (Redis/Valkey) deployment specs into every artifact they need.

    \b
    Example:
      cachegen build spec/dev.yaml spec/prod.yaml
    """
    ctx.obj = {"debug": debug}


@cli.command()
@SPECS
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@QUIET
def validate(specs: tuple[Path, ...], output_format: str, quiet: bool) -> None:
    """Check specs against the schema and AWS's rules; report every error. Without SPECS:
    every spec/*.yaml.

    \b
    Example:
      cachegen validate spec/prod.yaml
    """
    from .commands import validate as command

    sys.exit(command.run(default_specs(specs), output_format, quiet))


@cli.command()
@click.argument("specs", nargs=-1, type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("out"), show_default=True,
              help="Directory that receives one folder per environment.")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 when a generated file is missing or stale.")
@click.option("--diff", "show_diff", is_flag=True, help="With --check: print what a build would change, as a unified diff.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@QUIET
def build(specs: tuple[Path, ...], out_dir: Path, check: bool, show_diff: bool, output_format: str,
          quiet: bool) -> None:
    """Compile specs into out/<environment>/ (atomically; unchanged files are not rewritten).
    Without SPECS: every spec/*.yaml (base files are skipped).

    \b
    Examples:
      cachegen build spec/prod.yaml
      cachegen build --check            # pre-commit / CI gate over spec/*.yaml
      cachegen build --check --diff     # and what a build would change
    """
    from .commands import build as command

    sys.exit(command.run(default_specs(specs), out_dir, check, show_diff, quiet, output_format))


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--name", default=None, help="Application name, the stem of every AWS name (default: the directory's).")
@click.option("--region", default="us-east-1", show_default=True, help="AWS region.")
@click.option("--engine", type=click.Choice(["valkey", "redis"]), default="valkey", show_default=True)
@click.option("--version", default=None, help="Engine version (default: the newest ElastiCache offers).")
def init(directory: Path, name: str | None, region: str, engine: str, version: str | None) -> None:
    """Start a repository of specs: a base, dev and prod, the editor schema, pre-commit hooks
    and .gitignore entries. Nothing is overwritten; the result validates and builds at once.

    \b
    Example:
      cachegen init --region eu-west-1 --engine valkey
    """
    from .commands import init as command

    sys.exit(command.run(directory, name, region, engine, version))


@cli.command("list")
@click.argument("kind", type=click.Choice(["node-types", "versions", "presets", "regions"]))
@click.option("--engine", type=click.Choice(["redis", "valkey"]), default=None, help="Only what this engine runs.")
@click.option("--region", default=None, help="Only this region; with node-types, their on-demand price there.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def list_(kind: str, engine: str | None, region: str | None, output_format: str) -> None:
    """What a spec can name: node types, engine versions, presets, regions.

    \b
    Examples:
      cachegen list node-types --engine valkey --region eu-west-1
      cachegen list versions --engine redis
    """
    from .commands import listing as command

    sys.exit(command.run(kind, engine, region, output_format))


@cli.command()
def schema() -> None:
    """Print the JSON Schema of the spec language.

    \b
    Example:
      cachegen schema > schema/cachegen.schema.json
    """
    from .commands import schema as command

    sys.exit(command.run())


@cli.command()
@click.argument("spec", type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def explain(spec: Path, output_format: str) -> None:
    """Print the resolved model: every value and where it came from
    (the spec, a base file, a preset, a default, or derived).

    \b
    Example:
      cachegen explain spec/prod.yaml
    """
    from .commands import explain as command

    sys.exit(command.run(spec, output_format))


@cli.command()
@SPECS
@click.option("--format", "output_format", type=click.Choice(["text", "json", "sarif"]), default="text",
              show_default=True)
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default="warning", show_default=True,
              help="Exit 1 when a finding of this severity or worse exists.")
@click.option("--against", default="HEAD", show_default=True,
              help="Git revision for the change-safety rules (replacement, family change); '' to skip.")
@QUIET
def lint(specs: tuple[Path, ...], output_format: str, fail_on: str, against: str, quiet: bool) -> None:
    """Best-practice and safety rules (CG001...), with reasoned suppressions in the spec.

    \b
    Example:
      cachegen lint spec/*.yaml
      cachegen lint --format sarif spec/prod.yaml > cachegen.sarif
    """
    from .commands import lint as command

    sys.exit(command.run(default_specs(specs), output_format, fail_on, against or None, quiet))


@cli.command()
@SPECS
@click.option("--format", "output_format", type=click.Choice(["text", "md", "json", "svg"]), default="text",
              show_default=True, help="svg: one chart, every environment on one scale.")
@click.option("--allow-partial", is_flag=True,
              help="Exit 0 even when the catalogue cannot price a component (the total is then unknown).")
def cost(specs: tuple[Path, ...], output_format: str, allow_partial: bool) -> None:
    """Print what each environment costs a month, side by side.

    An environment the price catalogue cannot fully price has no total ("unknown"); the
    command names what is missing and exits 1, unless --allow-partial.

    \b
    Example:
      cachegen cost spec/dev.yaml spec/prod.yaml spec/perf.yaml
      cachegen cost --format svg spec/*.yaml > cost.svg
    """
    from .commands import cost as command

    sys.exit(command.run(default_specs(specs), output_format, allow_partial))


@cli.command()
@click.argument("spec", type=click.Path(path_type=Path))
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None,
              help="Where to write (default .cachegen/<environment>.env, git-ignored).")
@click.option("--stack", default=None, help="Read the endpoint from this CloudFormation stack's outputs.")
@click.option("--region", default=None, help="AWS region (default: the spec's).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("out"), show_default=True,
              help="The artifacts directory, which the .env must stay out of.")
def env(spec: Path, output: Path | None, stack: str | None, region: str | None, out_dir: Path) -> None:
    """Write the real .env for an environment that exists in AWS: the endpoint and the AUTH
    token (percent-encoded in the URLs), mode 0600, outside out/ and git-ignored.

    \b
    Example:
      cachegen env spec/prod.yaml                 # -> .cachegen/prod.env
      cachegen env spec/prod.yaml --stack cache-prod
    """
    from .commands import env as command

    sys.exit(command.run(spec, output, stack, region, out_dir))


@cli.command()
@click.argument("first", type=click.Path(path_type=Path))
@click.argument("second", type=click.Path(path_type=Path), required=False)
@click.option("--against", default=None, help="Compare FIRST with itself at this git revision.")
@click.option("--artifacts", is_flag=True, help="Also show a unified diff of every generated file.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def diff(first: Path, second: Path | None, against: str | None, artifacts: bool, output_format: str) -> None:
    """Compare two resolved specs setting by setting: origins, cost delta, replacements.
    Exit 1 when they differ.

    \b
    Examples:
      cachegen diff spec/dev.yaml spec/prod.yaml
      cachegen diff spec/prod.yaml --against HEAD~1 --artifacts
    """
    from .commands import diff as command

    sys.exit(command.run(first, second, against, artifacts, output_format))


@cli.command("plan")
@click.argument("spec", type=click.Path(path_type=Path))
@click.option("--against", default="HEAD", show_default=True, help="The git revision the running deployment was built from.")
@click.option("--output", type=click.Path(path_type=Path), default=None,
              help="Directory for plan.md and apply.sh (default: plans/<environment>).")
def plan_command(spec: Path, against: str, output: Path | None) -> None:
    """Write the procedure that takes the deployment of SPEC at a git revision to the working
    tree's SPEC, for the changes CloudFormation cannot apply safely on its own (AUTH token to
    RBAC, encryption in transit, engine and family upgrades, Valkey, node type, replicas,
    shards, replacements): plan.md to read and apply.sh to run (--dry-run, waits, and a stop
    before each step clients notice). Exit 0: a plan (or nothing to do); 1: a change the plan
    cannot carry out as the specs stand (plan.md says what to change); 2: invalid input.

    \b
    Example:
      cachegen plan spec/prod.yaml --against HEAD~1
    """
    from .commands import plan as command

    sys.exit(command.run(spec, against, output))


@cli.command()
@click.argument("spec", type=click.Path(path_type=Path))
@click.option("--region", default=None, help="AWS region (default: the spec's).")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def drift(spec: Path, region: str | None, output_format: str) -> None:
    """Compare what runs in AWS (replication group, subnet group, security group rules,
    parameter group, alarms) with the spec. Exit 0: everything read and matching; 1: a
    difference; 4: no difference found but some part could not be read (credentials,
    permissions), so the comparison is incomplete.

    \b
    Example:
      cachegen drift spec/prod.yaml
    """
    from .commands import drift as command

    sys.exit(command.run(spec, region, output_format))


@cli.group()
def pricing() -> None:
    """cachegen's price catalogue (pricing.yaml, shipped with cachegen: every figure with its
    dated public source).

    \b
    Example:
      cachegen pricing refresh
    """


@pricing.command()
@click.option("--write", is_flag=True, help="Write the catalogue (default: show the diff, exit 1 on changes).")
@click.option("--region", "regions", multiple=True, help="Regions to refresh (default: the catalogue's).")
@click.option("--from-maps", "maps", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Read AWS's published price maps from this folder (elasticache.json and the "
                   "elasticache-reservedinstance-*.json files) instead of calling the API.")
def refresh(write: bool, regions: tuple[str, ...], maps: Path | None) -> None:
    """Rebuild the node and serverless prices from the AWS Price List API (needs AWS
    credentials) or from a copy of AWS's price maps.

    \b
    Example:
      cachegen pricing refresh             # show what changed
      cachegen pricing refresh --write
      cachegen pricing refresh --from-maps ./elasticache-maps --write
    """
    from .commands import pricing as command

    sys.exit(command.run(write, list(regions), maps=maps))


def main() -> None:
    """Entry point: one error handler for every command."""
    # A cachegen process is short and makes few reference cycles, but importing pydantic and
    # building the spec models allocates hundreds of thousands of objects, over which CPython's
    # collector makes repeated full passes: the process collects far less often (5-10 ms of a
    # cold `validate`), as mypy's does for the same reason (mypy/build.py). And at exit the
    # interpreter makes one more full pass before it frees the modules (about 20 ms): at exit
    # the objects are frozen out of the collector's sight instead
    # (https://docs.python.org/3/library/gc.html#gc.freeze). Nothing cachegen leaves behind
    # needs the collector: it closes every file it writes before a command returns, and exit
    # handlers still run. The library, imported by others, leaves the collector alone.
    gc.set_threshold(200_000, 30, 30)
    atexit.unregister(gc.freeze)  # once, however often main() runs in one process (the tests)
    atexit.register(gc.freeze)
    from .aws import MissingExtra
    from .diagnostics import SpecError, render_text

    debug = "--debug" in sys.argv[1:]
    try:
        cli.main(standalone_mode=False)
    except SpecError as error:
        click.echo(render_text(error.diagnostics), err=True)
        sys.exit(2)
    except MissingExtra as error:  # an AWS command without cachegen[aws]
        click.echo(f"cachegen: {error}", err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as error:
        error.show()
        sys.exit(2 if error.exit_code != 0 else 0)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except SystemExit:
        raise
    except BrokenPipeError:
        sys.exit(0)
    except Exception as error:  # noqa: BLE001 - the one place that turns bugs into exit 3
        if debug:
            import traceback

            traceback.print_exc()
        click.echo(f"cachegen: internal error: {type(error).__name__}: {error}\n"
                   "This is a bug in cachegen; please report it with the spec that caused it "
                   "(run again with --debug for the traceback).", err=True)
        sys.exit(EXIT_INTERNAL)
