"""Capacity benchmark (issue 17): what a Celery workload really takes on a real redis-server.

A spec with the broker, the result backend and the cache on one group (no TLS, no AUTH: a local
server) is built with cachegen; its own celeryconfig.py drives a real Celery producer and a real
prefork worker against a redis-server started here. Measured:

  * memory: used_memory (INFO memory) before and after `apply_async` of DEPTH tasks whose
    arguments take ARGS bytes as JSON, no worker running (the queue as it stands at a peak), for
    three message sizes and two depths; and the result keys a worker stores, with and without
    stored results (each result RESULT bytes);
  * connections: the CLIENT LIST entries a prefork worker holds, idle after running tasks, at two
    concurrency levels (the producer has exited: only the worker's own are counted).

    .venv/bin/python bench/capacity.py [--json FILE]

Not a test: it takes minutes and its figures depend on the machine's redis-server and Celery.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ARGS_BYTES = (100, 1_000, 10_000)  # the JSON of one task's arguments
DEPTHS = (1_000, 10_000)  # tasks waiting in the queue
RESULT_BYTES = 200  # what each task returns, as JSON
CONCURRENCY = (2, 4)
SPEC = """extends: {base}
environment: bench
security:
  in_transit_encryption: {{enabled: false}}
  auth: {{enabled: false}}
celery:
  workers: {{count: 1, concurrency: 2}}
  cache: {{enabled: false}}       # the benchmark sends no cache traffic
  application_clients: 0        # only the worker's own connections are counted
"""
TASKS = """from celery import Celery

app = Celery("cachegen_bench")
app.config_from_object("celeryconfig")


@app.task(name="bench.capacity.tasks.echo_the_payload_back")  # 40 characters: the model's assumption
def echo(payload, result_bytes):
    return "r" * result_bytes


@app.task(name="bench.capacity.tasks.echo_without_result1", ignore_result=True)
def echo_without_result(payload, result_bytes):
    return "r" * result_bytes
"""
# Sends COUNT tasks whose argument is a string of ARGS bytes as JSON (two quotes included); with
# WAIT, waits for every result (a worker is running).
PRODUCER = """import sys
import time
import bench_tasks
count, args_bytes, result_bytes, wait = (int(v) for v in sys.argv[1:5])
task = bench_tasks.echo if result_bytes else bench_tasks.echo_without_result
sent = [task.apply_async(args=("x" * (args_bytes - 2), result_bytes)) for _ in range(count)]
if wait and result_bytes:
    for result in sent:
        result.get(timeout=300)
elif wait:  # no result to wait for: until the queue is empty and the worker has acked every task
    import redis
    client = redis.Redis.from_url(bench_tasks.app.conf.broker_url)
    while client.llen("celery") or client.hlen("unacked"):
        time.sleep(0.2)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def build(directory: Path, port: int) -> dict[str, str]:
    """The bench spec's celeryconfig.py and tasks in `directory`; the environment the
    application reads (its .env at the local server)."""
    sys.path.insert(0, str(REPO / "src"))
    from cachegen.compiler import compile_spec, render
    from cachegen.render.app import env_text

    spec = directory / "bench.yaml"
    (directory / "base.yaml").write_text((REPO / "spec" / "base.yaml").read_text())
    spec.write_text(SPEC.format(base="base.yaml"))
    _, deployment = compile_spec(spec)
    files = render(deployment)
    (directory / "celeryconfig.py").write_text(files["app/celeryconfig.py"])
    (directory / "bench_tasks.py").write_text(TASKS)
    (directory / "producer.py").write_text(PRODUCER)
    text = env_text(deployment, {None: ("127.0.0.1", port)}, {})
    variables = {k: v.strip("'") for k, v in (line.split("=", 1) for line in text.splitlines()
                                               if line and not line.startswith("#"))}
    return {**os.environ, **variables, "PYTHONPATH": str(directory)}


def start_server(port: int) -> subprocess.Popen:
    import redis

    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    for _ in range(100):
        try:
            with redis.Redis(port=port) as client:  # closed: CLIENT LIST counts only the worker's
                client.ping()
            return server
        except redis.exceptions.ConnectionError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("redis-server did not start")


def used_memory(client) -> int:
    """used_memory less the clients' buffers (`mem_clients_normal`): what the data takes. The buffers
    of a worker's connections grow and shrink with its traffic, not with what it stores."""
    memory = client.info("memory")
    return int(memory["used_memory"]) - int(memory["mem_clients_normal"])


def produce(directory: Path, env: dict[str, str], count: int, args_bytes: int, wait: bool,
            result_bytes: int = RESULT_BYTES) -> None:
    """COUNT tasks; RESULT_BYTES 0: tasks that store no result (ignore_result)."""
    subprocess.run([sys.executable, str(directory / "producer.py"), str(count), str(args_bytes), str(result_bytes),
                    "1" if wait else "0"], cwd=directory, env=env, check=True, capture_output=True, timeout=900)


def worker(directory: Path, env: dict[str, str], concurrency: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "celery", "-A", "bench_tasks", "worker", "--pool=prefork",
                             f"--concurrency={concurrency}", "--loglevel=WARNING"], cwd=directory, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)


def settle(client, seconds: float = 2.0) -> None:
    time.sleep(seconds)  # background work (lazy frees, the worker's heartbeats) done


def measure_queue(client, directory: Path, env: dict[str, str]) -> list[dict[str, int | float]]:
    from cachegen import capacity

    produce(directory, env, 100, ARGS_BYTES[0], wait=False)  # warm: the server's first clients and keys
    rows = []
    for args_bytes in ARGS_BYTES:
        for depth in DEPTHS:
            client.flushall()
            settle(client, 0.5)
            before = used_memory(client)
            produce(directory, env, depth, args_bytes, wait=False)
            settle(client, 0.5)
            after = used_memory(client)
            predicted = capacity.queue_bytes(depth, args_bytes)
            rows.append({"args_bytes": args_bytes, "depth": depth, "used_memory_delta": after - before,
                         "per_message": round((after - before) / depth, 1), "predicted": predicted,
                         "error_percent": round(100 * (predicted - (after - before)) / (after - before), 1)})
    client.flushall()
    return rows


def measure_results(client, directory: Path, env: dict[str, str]) -> list[dict[str, int | float | None]]:
    """Tasks run by a worker, with stored results (RESULT_BYTES each) and without (ignore_result):
    used_memory of the idle worker's server before and after (the queue is empty again; what
    remains is the result keys)."""
    from cachegen import capacity

    rows = []
    for result_bytes in (RESULT_BYTES, 0):
        for depth in DEPTHS:
            client.flushall()
            running = worker(directory, env, 2)
            try:
                produce(directory, env, 10, 100, wait=True)  # warm: every connection open
                settle(client)
                before = used_memory(client)
                net_before = client.info("stats")
                keys_before = client.info("keyspace").get("db1", {}).get("keys", 0)  # the warm-up's results (db 1)
                started = time.monotonic()
                produce(directory, env, depth, 100, wait=True, result_bytes=result_bytes)
                seconds = time.monotonic() - started
                net_after = client.info("stats")
                settle(client)
                after = used_memory(client)
            finally:
                running.terminate()
                running.wait(timeout=60)
            result_json = result_bytes + 2  # the returned string, quoted
            predicted = 0 if not result_bytes else \
                capacity.results_bytes(keys_before + depth, result_json) - capacity.results_bytes(keys_before, result_json)
            delta = after - before
            into, out = capacity.task_traffic(100)
            if result_bytes:
                result_in, result_out = capacity.result_traffic(result_json)
                into, out = into + result_in, out + result_out
            net_in, net_out = (net_after[key] - net_before[key] for key in ("total_net_input_bytes",
                                                                            "total_net_output_bytes"))
            rows.append({"tasks": depth, "result_bytes": result_bytes, "used_memory_delta": delta,
                         "per_task": round(delta / depth, 1), "keys_before": keys_before, "predicted": predicted,
                         # a prediction of nothing is checked in bytes: there is no share of zero
                         "error_percent": round(100 * (predicted - delta) / delta, 1) if result_bytes else None,
                         # the server's own count of the bytes it read and wrote (every client's: the
                         # worker's heartbeats and polls too, over `seconds`)
                         "net_in_per_task": round(net_in / depth, 1), "net_out_per_task": round(net_out / depth, 1),
                         "predicted_in_per_task": into, "predicted_out_per_task": out, "seconds": round(seconds, 1)})
    client.flushall()
    return rows


def measure_connections(client, directory: Path, env: dict[str, str]) -> list[dict[str, int | list[str]]]:
    """CLIENT LIST of an idle prefork worker after it ran tasks, beside the connection model's
    steady state for the bench spec's celery settings at that concurrency."""
    from cachegen import capacity
    from cachegen.compiler import compile_spec

    _, deployment = compile_spec(directory / "bench.yaml")
    rows = []
    for concurrency in CONCURRENCY:
        client.flushall()
        running = worker(directory, env, concurrency)
        try:
            produce(directory, env, 20 * concurrency, 100, wait=True)  # every child runs tasks and stores results
            settle(client, 3.0)
            mine = client.client_id()
            clients = [c for c in client.client_list() if int(c["id"]) != mine]
        finally:
            running.terminate()
            running.wait(timeout=60)
        celery = deployment.celery.model_copy(
            update={"workers": deployment.celery.workers.model_copy(update={"concurrency": concurrency})})
        predicted, _, how = capacity.steady_connections(celery, deployment.roles)
        rows.append({"concurrency": concurrency, "connections": len(clients), "predicted": predicted,
                     "ceiling": capacity.connection_ceiling(celery, deployment.roles), "how": how,
                     "commands": sorted({c["cmd"] for c in clients})})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    options = parser.parse_args()
    import celery
    import kombu
    import redis

    port = free_port()
    with tempfile.TemporaryDirectory(prefix="cachegen-capacity-") as scratch:
        directory = Path(scratch)
        env = build(directory, port)
        server = start_server(port)
        client = redis.Redis(port=port)
        try:
            version = client.info("server")["redis_version"]
            figures = {"redis": version, "celery": celery.__version__, "kombu": kombu.__version__,
                       "queue": measure_queue(client, directory, env),
                       "results": measure_results(client, directory, env),
                       "connections": measure_connections(client, directory, env)}
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"redis-server {figures['redis']}, Celery {figures['celery']}, kombu {figures['kombu']}")
    print("\nqueued messages (no worker): used_memory, measured and predicted (src/cachegen/capacity.py)")
    print("| argument bytes | queued | used_memory delta | per message | predicted | error |\n"
          "|---:|---:|---:|---:|---:|---:|")
    for row in figures["queue"]:
        print(f"| {row['args_bytes']:,} | {row['depth']:,} | {row['used_memory_delta']:,} | {row['per_message']:,} | "
              f"{row['predicted']:,} | {row['error_percent']:+.1f} % |")
    print(f"\ntasks run by a prefork worker, with stored results ({RESULT_BYTES} bytes each) and without: "
          "used_memory, measured and predicted")
    print("| tasks | result bytes | used_memory delta | per task | predicted | error |\n|---:|---:|---:|---:|---:|---:|")
    for row in figures["results"]:
        error = "n/a" if row["error_percent"] is None else f"{row['error_percent']:+.1f} %"
        print(f"| {row['tasks']:,} | {row['result_bytes'] or 'none'} | {row['used_memory_delta']:,} | "
              f"{row['per_task']:,} | {row['predicted']:,} | {error} |")
    print("\nthe same runs, network: bytes the server read and wrote per task (INFO stats), measured and predicted")
    print("| tasks | result bytes | in per task | predicted | error | out per task | predicted | error |\n"
          "|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in figures["results"]:
        error_in = 100 * (row["predicted_in_per_task"] - row["net_in_per_task"]) / row["net_in_per_task"]
        error_out = 100 * (row["predicted_out_per_task"] - row["net_out_per_task"]) / row["net_out_per_task"]
        print(f"| {row['tasks']:,} | {row['result_bytes'] or 'none'} | {row['net_in_per_task']:,} | "
              f"{row['predicted_in_per_task']:,} | {error_in:+.1f} % | {row['net_out_per_task']:,} | "
              f"{row['predicted_out_per_task']:,} | {error_out:+.1f} % |")
    print("\nprefork worker, idle after running tasks: CLIENT LIST entries and the connection model")
    print("| concurrency | connections | predicted | ratio | every pool full | commands |\n|---:|---:|---:|---:|---:|---|")
    for row in figures["connections"]:
        print(f"| {row['concurrency']} | {row['connections']} | {row['predicted']} | "
              f"{row['predicted'] / row['connections']:.2f} | {row['ceiling']} | {', '.join(row['commands'])} |")
    if options.json:
        options.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
