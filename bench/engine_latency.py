"""Built-in engine latency: sequential requests on one kept-alive connection, beside a minimal
server on the same machine answering the same bytes.

What it catches: a per-request stall that costs no CPU. With Nagle's algorithm on the engine's
sockets, every request waited about 40 ms for a delayed ACK while both processes were idle; a
throughput benchmark at high concurrency hides that, one client sending one request at a time
does not. The reference is Python's own ``http.server`` (HTTP/1.1, Nagle off) in another
process, replaying the engine's recorded response bodies, so the ratio shows what the engine
adds to a loopback round trip and the client's own work. Clients: raw ``http.client`` (one
socket, checked to stay the same) and the ``openai`` SDK (its pooled, kept-alive client).

Run: ``python bench/engine_latency.py [--requests 300]``. Aim: ≤ 2 ms per request, judged on
the median: on a shared machine other processes' time slices land in the mean at random, while
a stall like the delayed ACK moves the median (it did: 44 ms).
"""

from __future__ import annotations

import argparse
import http.client
import http.server
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openai import OpenAI  # noqa: E402

from lib.engine.local import start_engine  # noqa: E402

AIM_MS = 2.0
CHAT = {
    "model": "tunelab-base",
    "messages": [{"role": "user", "content": "Is this review positive? Great phone."}],
    "max_tokens": 1,
    "temperature": 0,
}


# ---------------------------------------------------------------------------- reference server


def serve_reference(bodies_path: Path, port_file: Path) -> None:
    """A minimal HTTP/1.1 server answering the recorded bodies (run in its own process)."""
    bodies = {key: value.encode() for key, value in json.loads(bodies_path.read_text()).items()}

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive
        disable_nagle_algorithm = True

        def _answer(self, key: str) -> None:
            body = bodies[key]
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            self._answer("GET " + self.path)

        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("content-length") or 0))
            self._answer("POST " + self.path)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port_file.write_text(str(server.server_address[1]))
    server.serve_forever()


def start_reference(bodies: dict[str, str], folder: Path) -> tuple[subprocess.Popen[bytes], int]:
    bodies_path, port_file = folder / "bodies.json", folder / "reference.port"
    bodies_path.write_text(json.dumps(bodies))
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve-reference", str(bodies_path), str(port_file)]
    )
    deadline = time.monotonic() + 30
    while not port_file.exists() or not port_file.read_text():
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            raise SystemExit("the reference server did not start")
        time.sleep(0.02)
    return process, int(port_file.read_text())


# ---------------------------------------------------------------------------- measuring


def per_request_ms(send: Callable[[], object], count: int) -> tuple[float, float]:
    """Mean and median milliseconds of ``count`` sequential calls, after a short warm-up."""
    for _ in range(10):
        send()
    times = []
    for _ in range(count):
        started = time.perf_counter()
        send()
        times.append(time.perf_counter() - started)
    return statistics.fmean(times) * 1000, statistics.median(times) * 1000


def raw_client(port: int, method: str, path: str) -> Callable[[], bytes]:
    """One ``http.client`` connection; fails if the server closes it (no keep-alive)."""
    connection = http.client.HTTPConnection("127.0.0.1", port)
    body = json.dumps(CHAT) if method == "POST" else None
    headers = {"content-type": "application/json"} if body else {}
    first: list[object] = []

    def send() -> bytes:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        if response.status != 200:
            raise SystemExit(f"{method} {path}: HTTP {response.status}: {data[:200]!r}")
        if not first:
            first.append(connection.sock)
        elif connection.sock is not first[0]:
            raise SystemExit(f"{method} {path}: the connection was not kept alive")
        return data

    return send


def sdk_client(port: int, method: str) -> Callable[[], object]:
    client = OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="tunelab-local", max_retries=0)
    if method == "GET":
        return client.models.list
    return lambda: client.chat.completions.create(**CHAT)  # type: ignore[call-overload]


def record_bodies(port: int) -> dict[str, str]:
    """The engine's own response bodies, for the reference server to replay."""
    bodies = {}
    for method, path in (("GET", "/v1/models"), ("POST", "/v1/chat/completions")):
        bodies[f"{method} {path}"] = raw_client(port, method, path)().decode()
    return bodies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300, help="sequential requests per row")
    parser.add_argument("--serve-reference", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_reference:
        serve_reference(*args.serve_reference)
        return
    with tempfile.TemporaryDirectory() as tmp, start_engine(data_dir=Path(tmp) / "e") as engine:
        reference, reference_port = start_reference(record_bodies(engine.port), Path(tmp))
        try:
            print(
                f"{args.requests} sequential requests on one kept-alive connection; "
                "mean (median) ms per request; ratio and aim on the medians"
            )
            print(
                f"{'client':<12}{'request':<26}{'engine':>16}{'reference':>16}{'ratio':>8}"
                f"  aim ≤ {AIM_MS:g} ms"
            )
            met_all = True
            for method, path in (("GET", "/v1/models"), ("POST", "/v1/chat/completions")):
                for name in ("http.client", "openai SDK"):
                    figures = []
                    for port in (engine.port, reference_port):
                        send = (
                            raw_client(port, method, path)
                            if name == "http.client"
                            else sdk_client(port, method)
                        )
                        figures.append(per_request_ms(send, args.requests))
                    (mean, median), (ref_mean, ref_median) = figures
                    met = median <= AIM_MS
                    met_all &= met
                    print(
                        f"{name:<12}{method + ' ' + path:<26}"
                        f"{f'{mean:.2f} ({median:.2f})':>16}{f'{ref_mean:.2f} ({ref_median:.2f})':>16}"
                        f"{median / ref_median:>7.1f}×  {'met' if met else 'NOT met'}"
                    )
            print(
                f"aim ≤ {AIM_MS:g} ms per request: {'met' if met_all else 'NOT met'} on every row"
            )
        finally:
            reference.terminate()
            reference.wait(10)


if __name__ == "__main__":
    main()
