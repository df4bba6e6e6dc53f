"""Check-in under load: 10,000 delegates, 4 doors scanning at once through the API.

Starts its own PostgreSQL database and gunicorn (-w 4) on 127.0.0.1, registers the
delegates for the exhibition, and lets 4 door clients (one process and one connection each)
POST /api/v1/checkins: each door scans its own share of the badges, a few of them twice
(already_checked_in) and a few codes nobody has (invalid). Prints the round-trip latency a
door sees (goal: p99 <= 50 ms) and scans per second, the CPU time a scan costs in the
gunicorn workers and in the PostgreSQL backends (goal: <= 5 ms in the workers), and the same
clients' figures for the static stylesheet of the same gunicorn, measured in the same run,
as the baseline ratio.

    .venv/bin/python bench/checkin.py [--scans 4000] [--max-seconds 180]

Exits 1 when a scan got a wrong answer or a delegate was checked in twice.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from multiprocessing.pool import Pool

from _server import (
    HOST,
    STATIC_PATH,
    Latencies,
    demo_app,
    gunicorn,
    machine,
    ratio,
    run,
    save,
    step,
    timed_request,
)

DOOR = "exhibition"
DOOR_USER = "door@bench.example"
GOAL_P99_MS = 50.0
GOAL_WORKER_CPU_MS = 5.0
WARM_UP_PER_DOOR = 10


@dataclass(frozen=True)
class Scan:
    code: str
    expected: str  # ok, already_checked_in or invalid


@dataclass(frozen=True)
class Answer:
    expected: str | None  # None for the baseline
    http_status: int
    status: str | None  # the scan status the API gave
    seconds: float


def door_plans(
    codes: list[str], doors: int, scans: int, repeats: float, unknown: float, rng: random.Random
) -> list[list[Scan]]:
    """Each door scans badges from its own slice of `codes`, some of them again later, and
    some codes that belong to nobody, in a shuffled order."""
    unknown_code = UnknownCodes(codes, rng)
    plans = []
    for door in range(doors):
        share = codes[door::doors]
        n = scans // doors + (1 if door < scans % doors else 0)
        n_repeat, n_unknown = round(n * repeats), round(n * unknown)
        n_first = n - n_repeat - n_unknown
        if n_first > len(share):
            raise SystemExit(f"--scans {scans} needs more delegates than the {len(codes)} registered")
        if n_first < 1:
            raise SystemExit(f"--scans {scans} leaves a door without a first scan")
        fresh = iter(rng.sample(share, n_first))
        kinds = ["ok"] * n_first + ["already_checked_in"] * n_repeat + ["invalid"] * n_unknown
        rng.shuffle(kinds)
        kinds.insert(0, kinds.pop(kinds.index("ok")))  # a repeat needs a first scan before it
        scanned, plan = [], []
        for kind in kinds:
            if kind == "ok":
                scanned.append(next(fresh))
                plan.append(Scan(scanned[-1], kind))
            elif kind == "already_checked_in":
                plan.append(Scan(rng.choice(scanned), kind))
            else:
                plan.append(Scan(unknown_code(), kind))
        plans.append(plan)
    return plans


class UnknownCodes:
    """Codes that look like badge codes (same letters, same length) but belong to nobody."""

    def __init__(self, codes: list[str], rng: random.Random):
        self.known, self.rng = set(codes), rng
        self.alphabet, self.length = sorted(set("".join(codes))), len(codes[0])

    def __call__(self) -> str:
        while True:
            code = "".join(self.rng.choices(self.alphabet, k=self.length))
            if code not in self.known:
                return code


def run_door(
    port: int, token: str, plan: list[Scan] | None, requests: int, start_at: float, deadline: float, pace: float
) -> tuple[list[Answer], float]:
    """One door client: its scans (or, with plan None, `requests` GETs of the stylesheet) on
    one connection, from `start_at`, stopping at `deadline`; back to back, or `pace` a
    second when pace > 0. Its answers and when it ended."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    headers = {"Authorization": f"Bearer {token}"}
    answers = []
    for i in range(len(plan) if plan is not None else requests):
        time.sleep(max(0.0, start_at + (i / pace if pace else 0) - time.time()))
        if time.time() > deadline:
            break
        if plan is None:
            status, _, seconds = timed_request(connection, "GET", STATIC_PATH)
            answers.append(Answer(None, status, None, seconds))
            continue
        scan = plan[i]
        body = {"code": scan.code, "session": DOOR, "scan_id": str(uuid.uuid4())}
        status, content, seconds = timed_request(connection, "POST", "/api/v1/checkins", body, headers)
        answer = json.loads(content).get("status") if status == 200 else None
        answers.append(Answer(scan.expected, status, answer, seconds))
    connection.close()
    return answers, time.time()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (0 if it has gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def children_of(parent: int) -> list[int]:
    """The processes whose parent is `parent` (gunicorn's workers)."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            if ppid == parent:
                pids.append(int(entry))
    return pids


@dataclass
class CpuMeter:
    """CPU time spent by the gunicorn workers and by the PostgreSQL backends serving the
    benchmark's database (both are on this machine), between start() and stop()."""

    master_pid: int
    backend_pids: list[int]
    workers: float = 0.0
    database: float = 0.0

    def _sample(self) -> tuple[float, float]:
        return (
            sum(cpu_seconds(pid) for pid in children_of(self.master_pid)),
            sum(cpu_seconds(pid) for pid in self.backend_pids),
        )

    def start(self) -> None:
        self.workers, self.database = self._sample()

    def stop(self) -> None:
        workers, database = self._sample()
        self.workers, self.database = workers - self.workers, database - self.database


@dataclass
class Phase:
    answers: list[Answer]
    seconds: float

    @property
    def latencies(self) -> Latencies:
        return Latencies([a.seconds for a in self.answers])

    @property
    def per_second(self) -> float:
        return len(self.answers) / self.seconds if self.seconds else 0.0


def quiet_door() -> None:
    """Door processes leave Ctrl-C to the benchmark, which stops them (Pool.terminate)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def run_phase(
    pool: Pool, port: int, token: str, plans: list[list[Scan] | None], requests: int, deadline: float, pace: float
) -> Phase:
    """All doors at once; the phase lasts from the common start to the last door's end.
    Paced doors are staggered, as real ones are not in step."""
    start_at = time.time() + 0.3
    doors = len(plans)
    pending = [
        pool.apply_async(
            run_door,
            (
                port,
                token,
                plan,
                requests // doors + (door < requests % doors),
                start_at + (door / (pace * doors) if pace else 0),
                deadline,
                pace,
            ),
        )
        for door, plan in enumerate(plans)
    ]
    results = [door.get() for door in pending]
    answers = [answer for door_answers, _ in results for answer in door_answers]
    return Phase(answers, max(end for _, end in results) - start_at)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--delegates", type=int, default=10_000)
    parser.add_argument("--doors", type=int, default=4)
    parser.add_argument("--scans", type=int, default=4000, help="scans in all, shared by the doors")
    parser.add_argument("--repeats", type=float, default=0.1, help="share of scans of a badge seen before")
    parser.add_argument("--unknown", type=float, default=0.1, help="share of scans of unknown codes")
    parser.add_argument(
        "--pace", type=float, default=0, help="scans a second at each door (default 0: back to back, the peak)"
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--max-seconds", type=float, default=180, help="time bound of each phase")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    pace = f"{args.pace:g} scans/s each" if args.pace else "back to back"
    print(
        f"Check-in benchmark: {args.delegates} delegates, {args.doors} doors ({pace}), "
        f"{args.scans} scans, gunicorn -w {args.workers} on PostgreSQL; {machine()}"
    )
    rng = random.Random(args.seed)

    with demo_app("postgresql", "checkin") as app:
        step(f"adding {args.delegates} delegates to the {DOOR}")
        app.flask("fake-delegates", str(args.delegates), "--seed", str(args.seed))
        app.flask(
            "create-user",
            DOOR_USER,
            "--role",
            "door",
            "--password-stdin",
            stdin="bench-door-password-" + uuid.uuid4().hex + "\n",
        )
        token = app.flask("create-api-token", DOOR_USER).strip().splitlines()[-1]
        codes = [code for (code,) in app.query("SELECT checkin_code FROM delegates ORDER BY id")]
        plans = door_plans(codes, args.doors, args.scans, args.repeats, args.unknown, rng)
        unknown_code = UnknownCodes(codes, rng)
        warm_up = [[Scan(unknown_code(), "invalid") for _ in range(WARM_UP_PER_DOOR)] for _ in range(args.doors)]
        baseline_doors = [None] * args.doors

        with gunicorn(app, args.workers) as server, Pool(args.doors, quiet_door) as pool:

            def phase(plans, requests=0, pace=args.pace):
                return run_phase(pool, server.port, token, plans, requests, time.time() + args.max_seconds, pace)

            step("warming up (unknown codes and the stylesheet, not counted)")
            phase(warm_up, pace=0)
            phase(baseline_doors, WARM_UP_PER_DOOR * args.doors, pace=0)
            step(f"baseline, first half: GET {STATIC_PATH}")
            before = phase(baseline_doors, args.scans // 2)
            step(f"scanning: POST /api/v1/checkins at the {DOOR} door")
            backends = app.query(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            cpu = CpuMeter(server.process.pid, [pid for (pid,) in backends])
            cpu.start()
            scans = phase(plans)
            cpu.stop()
            step(f"baseline, second half: GET {STATIC_PATH}")
            # The workers' CPU for a request that does nothing: how fast the machine is now.
            static_cpu = CpuMeter(server.process.pid, [])
            static_cpu.start()
            after = phase(baseline_doors, args.scans - args.scans // 2)
            static_cpu.stop()

        checkins, delegates_in = app.query(
            "SELECT count(*), count(DISTINCT delegate_id) FROM checkins WHERE door = %s AND undone_at IS NULL",
            (DOOR,),
        )[0]
        (recorded_scans,) = app.query("SELECT count(*) FROM scans")[0]

    baseline = Phase(before.answers + after.answers, before.seconds + after.seconds)
    static_ms = 1000 * static_cpu.workers / len(after.answers) if after.answers else 0.0
    return report(args, scans, baseline, cpu, static_ms, plans, checkins, delegates_in, recorded_scans)


def report(
    args: argparse.Namespace,
    scans: Phase,
    baseline: Phase,
    cpu: CpuMeter,
    static_ms: float,
    plans,
    checkins: int,
    delegates_in: int,
    recorded_scans: int,
) -> int:
    sent = len(scans.answers)
    planned = sum(len(plan) for plan in plans)
    http_statuses = Counter(a.http_status for a in scans.answers)
    statuses = Counter(a.status for a in scans.answers)
    wrong = [a for a in scans.answers if a.status != a.expected]
    first_scans = sum(1 for a in scans.answers if a.expected == "ok")
    baseline_http = Counter(a.http_status for a in baseline.answers)
    lat, base = scans.latencies, baseline.latencies
    p99_ratio, p50_ratio = ratio(lat.p(99), base.p(99)), ratio(lat.p(50), base.p(50))
    goal_met = lat.p(99) <= GOAL_P99_MS
    worker_ms, database_ms = (1000 * seconds / sent if sent else 0.0 for seconds in (cpu.workers, cpu.database))
    cpu_goal_met = worker_ms <= GOAL_WORKER_CPU_MS

    print()
    print(f"Scans      {lat.line()}  {scans.per_second:7.1f} scans/s")
    for kind in ("ok", "already_checked_in", "invalid"):
        part = Latencies([a.seconds for a in scans.answers if a.expected == kind])
        print(f"  {kind:<19}{part.line()}")
    print(f"Baseline   {base.line()}  {baseline.per_second:7.1f} req/s  (GET {STATIC_PATH})")
    print(
        f"Ratio scan/baseline: p50 {p50_ratio:.2f}x, p99 {p99_ratio:.2f}x, "
        f"throughput {ratio(scans.per_second, baseline.per_second):.2f}x"
    )
    print(f"Goal p99 <= {GOAL_P99_MS:.0f} ms: {'met' if goal_met else 'NOT met'} ({lat.p(99):.1f} ms)")
    print(
        f"CPU per scan: {worker_ms:.2f} ms in the gunicorn workers, {database_ms:.2f} ms in PostgreSQL; "
        f"goal <= {GOAL_WORKER_CPU_MS:.0f} ms in the workers: {'met' if cpu_goal_met else 'NOT met'}"
    )
    # The goal is in milliseconds, which move with the machine; this ratio much less.
    print(
        f"CPU per GET {STATIC_PATH} (the machine's pace): {static_ms:.2f} ms in the workers; "
        f"a scan costs {ratio(worker_ms, static_ms):.2f}x that"
    )
    print()
    print(
        f"Sent {sent} of {planned} planned scans"
        + ("" if sent == planned else f" (stopped at the {args.max_seconds:.0f} s bound)")
    )
    print(f"HTTP statuses: {dict(http_statuses)}; baseline: {dict(baseline_http)}")
    print(f"Answers: {dict(statuses)}; {len(wrong)} differ from the expected answer")
    print(
        f"Database: {checkins} standing check-ins for {delegates_in} delegates "
        f"({first_scans} first scans sent); {recorded_scans} scans recorded "
        f"({sent + WARM_UP_PER_DOOR * args.doors} sent with the warm-up)"
    )

    problems = []
    if set(http_statuses) != {200} or set(baseline_http) != {200}:
        problems.append("a request did not get 200")
    if wrong:
        problems.append(
            f"{len(wrong)} scans got a wrong answer, e.g. expected {wrong[0].expected}, got {wrong[0].status}"
        )
    if checkins != delegates_in:
        problems.append("a delegate was checked in twice")
    if checkins != first_scans:
        problems.append("check-ins do not match the first scans")
    if recorded_scans != sent + WARM_UP_PER_DOOR * args.doors:
        problems.append("scans recorded do not match the scans sent")
    for problem in problems:
        print(f"FAILED: {problem}")
    path = save(
        "checkin",
        {
            "args": vars(args),
            "scans": {
                **lat.summary(),
                "per_second": round(scans.per_second, 1),
                "http": dict(http_statuses),
                "answers": dict(statuses),
                "wrong": len(wrong),
            },
            "baseline": {**base.summary(), "per_second": round(baseline.per_second, 1), "path": STATIC_PATH},
            "ratio": {
                "p50": round(p50_ratio, 2),
                "p99": round(p99_ratio, 2),
                "throughput": round(ratio(scans.per_second, baseline.per_second), 2),
            },
            "goal_p99_ms": GOAL_P99_MS,
            "goal_met": goal_met,
            "cpu_ms_per_scan": {"workers": round(worker_ms, 2), "postgresql": round(database_ms, 2)},
            "cpu_ms_per_static_get": round(static_ms, 2),
            "goal_worker_cpu_ms": GOAL_WORKER_CPU_MS,
            "cpu_goal_met": cpu_goal_met,
            "database": {"checkins": checkins, "delegates": delegates_in, "scans": recorded_scans},
            "problems": problems,
        },
    )
    print(f"Figures saved to {path}")
    return 1 if problems else 0


if __name__ == "__main__":
    run(main)
