"""The capacity model against its sources: jemalloc's size classes, listpack's encoding, and a
message Celery and kombu really write into a real redis-server (bench/capacity.py measures the
memory of whole queues; the figures are in bench/README.md)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import free_port, start_redis

# https://jemalloc.net/jemalloc.3.html, "Size classes" (64-bit, 16-byte quantum)
JEMALLOC = [(1, 8), (8, 8), (9, 16), (17, 32), (129, 160), (1025, 1280), (4097, 5120), (7046, 7168), (7169, 8192),
            (8193, 10240), (15367, 16384), (16385, 20480)]


@pytest.mark.parametrize("size, size_class", JEMALLOC)
def test_jemalloc_size_classes(size, size_class):
    from cachegen.capacity import jemalloc_size

    assert jemalloc_size(size) == size_class


def test_listpack_entries_take_their_header_and_back_length():
    from cachegen.capacity import listpack_entry_bytes

    # listpack.c: 6-bit length up to 63 (1-byte header), 12-bit up to 4095 (2), 32-bit beyond (5);
    # the back-length takes one byte per 7 bits of header plus data
    assert [listpack_entry_bytes(n) for n in (10, 63, 64, 125, 126, 4095, 4096, 16378)] == \
        [12, 65, 67, 128, 130, 4099, 4103, 16385]


TASKS = """from celery import Celery
app = Celery("capacity")
app.config_from_object("celeryconfig")
@app.task(name="x" * 40)
def echo(payload, result_bytes):
    return payload
"""
SPEC = """extends: base.yaml
environment: capacity
security: {in_transit_encryption: {enabled: false}, auth: {enabled: false}}
"""


@pytest.mark.parametrize("args_bytes", [100, 1_000, 10_000])
def test_a_message_as_celery_writes_it_is_the_size_the_model_says(args_bytes, tmp_path):
    """The message of a 40-character task, as a real Celery producer with cachegen's own
    celeryconfig.py LPUSHes it, within 1 % of the model once the origin (`gen<pid>@<hostname>`)
    is this machine's."""
    import redis
    from conftest import SPEC_DIR, env_file_variables

    from cachegen.capacity import ORIGIN_CHARS, message_bytes
    from cachegen.compiler import compile_spec, render
    from cachegen.render.app import env_text

    (tmp_path / "base.yaml").write_text((SPEC_DIR / "base.yaml").read_text())
    (tmp_path / "capacity.yaml").write_text(SPEC)
    _, d = compile_spec(tmp_path / "capacity.yaml")
    (tmp_path / "celeryconfig.py").write_text(render(d)["app/celeryconfig.py"])
    (tmp_path / "capacity_tasks.py").write_text(TASKS)
    port = free_port()
    env = {**env_file_variables(env_text(d, {None: ("127.0.0.1", port)}, {})), "PATH": "/usr/bin:/bin"}
    client = redis.Redis(port=port)
    server = start_redis(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""], client)
    try:
        send = f"import capacity_tasks; capacity_tasks.echo.apply_async(args=('x' * {args_bytes - 7}, 200))"
        subprocess.run([sys.executable, "-c", send], cwd=tmp_path, env=env, check=True, timeout=60)
        [raw] = client.lrange("celery", 0, -1)
    finally:
        server.terminate()
        server.wait(timeout=30)
    # the arguments' JSON ["x...x", 200] less its brackets is `args_bytes`, as the bench and the model count it;
    # the model assumes an origin of ORIGIN_CHARS, this machine's is its own
    origin = json.loads(raw)["headers"]["origin"]
    expected = message_bytes(args_bytes) - ORIGIN_CHARS + len(origin)
    assert abs(len(raw) - expected) <= 0.01 * len(raw), (len(raw), expected)


def test_sds_strings_and_dict_tables_as_redis_sizes_them():
    from cachegen.capacity import result_bytes_per_result, sds_bytes

    # sds.h: sdshdr8 below 256 bytes, sdshdr16 below 65,536, sdshdr32 beyond; plus the NUL
    assert [sds_bytes(n) for n in (0, 255, 256, 65535, 65536)] == [4, 259, 262, 65541, 65546]
    # a table doubles when it is full: 1,024 results fit 1,024 buckets, 1,025 need 2,048
    assert result_bytes_per_result(202, 1025) - result_bytes_per_result(202, 1024) == pytest.approx(
        2 * 8 * (2048 / 1025 - 1024 / 1024))


def _dev_variant(tmp_path, workload: str):
    """spec/dev.yaml (cache.t4g.micro) with its workload replaced."""
    import re

    from conftest import SPEC_DIR

    (tmp_path / "base.yaml").write_text((SPEC_DIR / "base.yaml").read_text())
    dev = (SPEC_DIR / "dev.yaml").read_text()
    text = re.sub(r"^workload:.*?(?=^\S)", workload, dev, flags=re.MULTILINE | re.DOTALL)
    assert text != dev
    (tmp_path / "dev.yaml").write_text(text)
    return tmp_path / "dev.yaml", text


def test_validate_refuses_a_dev_queue_that_a_micro_node_cannot_hold(tmp_path):
    """Issue 17's case: dev.yaml's cache.t4g.micro holds 384 MiB of data (512 MiB less the 25 %
    reserved); 100,000 waiting tasks of 2 KB arguments take about 490 MiB. The error points at the
    queue's line and names the numbers."""
    from conftest import run_cli

    _, text = _dev_variant(tmp_path, "workload:\n  tasks_per_second: 1\n  queued_tasks: 100000   # the peak\n"
                                        "  task_args_bytes: 2048\n")
    result = run_cli("validate", "dev.yaml", cwd=tmp_path)
    assert result.code == 2, result.err
    line = text.splitlines().index("  queued_tasks: 100000   # the peak") + 1
    assert result.err.startswith(f"dev.yaml:{line}:17: error [V960]: workload.queued_tasks: "), result.err
    for figure in ("cache.t4g.micro holds 384.0 MiB of data", "maxmemory 512.0 MiB",
                   "reserved-memory-percent 25", "100,000 tasks x 5,152.0 bytes", "queue 491.3 MiB"):
        assert figure in result.err, (figure, result.err)
    assert "node_type: cache.t4g.small" in result.err  # the smallest t4g that holds it
    assert "Traceback" not in result.err


def test_the_same_queue_fits_a_larger_node_and_a_smaller_one_fits_the_micro(tmp_path):
    from conftest import run_cli

    path, _ = _dev_variant(tmp_path, "workload:\n  tasks_per_second: 1\n  queued_tasks: 60000\n"
                                     "  task_args_bytes: 2048\n")
    assert run_cli("validate", path).code == 0  # 60,000 x 5,152 bytes = 295 MiB of 384
    bigger = path.read_text().replace("preset: development", "preset: development\nnode_type: cache.t4g.small")
    path.write_text(bigger.replace("queued_tasks: 60000", "queued_tasks: 100000"))
    assert run_cli("validate", path).code == 0


def test_reserved_memory_percent_of_the_spec_is_what_the_model_takes(tmp_path):
    """Raising reserved-memory-percent (AWS advises up to 50 % on micro types) leaves less for data."""
    from conftest import run_cli

    path, text = _dev_variant(tmp_path, "workload:\n  tasks_per_second: 1\n  queued_tasks: 60000\n"
                                        "  task_args_bytes: 2048\n")
    path.write_text(text + "parameters:\n  values: {reserved-memory-percent: 50}\n")
    result = run_cli("validate", path)
    assert result.code == 2 and "holds 256.0 MiB of data" in result.err, result.err
