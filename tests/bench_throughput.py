"""Throughput script (not collected by pytest; not a timed test): 10 concurrent
clients on the référent·e grid at size S, against the server `python app.py` starts,
beside Gunicorn with 3 workers and Werkzeug's development server (what `python app.py`
ran before), on loopback only. The clients run in this process, on the same cores: their
own CPU use is printed.

    python tests/bench_throughput.py [--clients 10] [--seconds 30]

Each server gets a copy of the same S database (200 structures, 1 000 référent·e·s,
built by bench_pages.py); each client logs in once, then asks for /admin/referent/
again and again. Prints requests per second, p50/p95 latency and non-200 answers.
"""
import argparse
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.bench_load import HOST, Staff, Stats, gunicorn_command, start_server  # noqa: E402
from tests.bench_pages import prepare_database  # noqa: E402

ADMIN = ("admin@charge.test", "un-gestionnaire-patient-du-reseau")  # created by start_server's env
PAGE = "/admin/referent/"

SERVERS = {
    "python app.py": lambda workers, port: [sys.executable, "app.py"],
    "gunicorn -w 3": gunicorn_command,
    "Werkzeug (flask run, threaded)": lambda workers, port: [
        sys.executable, "-m", "flask", "--app", "app:create_app", "run", "--host", HOST, "--port", str(port)],
}


def hammer(base, clients, seconds):
    stats = Stats()
    staff = [Staff(base, *ADMIN, None, stats) for _ in range(clients)]
    for member in staff:
        member.login()
    stats.latencies.clear()
    stats.statuses.clear()
    deadline = time.monotonic() + seconds

    def loop(member):
        while time.monotonic() < deadline:
            member.request(PAGE)

    threads = [threading.Thread(target=loop, args=(member,)) for member in staff]
    started, cpu = time.monotonic(), time.process_time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    stats.client_cores = (time.process_time() - cpu) / elapsed  # the clients share the machine's cores
    return stats, elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    args.clients, args.seconds = min(args.clients, 50), min(args.seconds, 300)  # bounded

    work = Path(tempfile.mkdtemp(prefix="maillage-debit-"))
    source = work / "S.db"
    prepare_database(f"sqlite:///{source}", "S", rebuild=False)
    results = {}
    for round_number in range(args.rounds):  # interleaved: a change of machine load hits every server
        for label, command in SERVERS.items():
            copy = work / f"{round_number}-{len(results)}.db"
            shutil.copy(source, copy)
            server, base = start_server(f"sqlite:///{copy}", 3, work, command)
            try:
                hammer(base, args.clients, 3)  # warm-up: templates compiled, connections open
                stats, elapsed = hammer(base, args.clients, args.seconds)
            finally:
                server.terminate()
                server.wait(30)
            rate = len(stats.latencies) / elapsed
            results.setdefault(label, []).append(rate)
            latencies = sorted(stats.latencies)
            print(f"{label}: {rate:.1f} req/s ({len(latencies)} in {elapsed:.1f} s), "
                  f"p50 {statistics.median(latencies) * 1000:.0f} ms, "
                  f"p95 {statistics.quantiles(latencies, n=20)[18] * 1000:.0f} ms, "
                  f"answers {dict(sorted(stats.statuses.items()))}, transport errors {stats.errors}, "
                  f"clients' own CPU {stats.client_cores:.2f} core",
                  flush=True)
    print(f"\n{args.clients} clients, {PAGE}, size S, median of {args.rounds} rounds:")
    for label, rates in results.items():
        print(f"  {label}: {statistics.median(rates):.1f} req/s")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
