#!/usr/bin/env python3
"""Many accounts on one machine, as the Indexed Job runs them (issue 21).

One `kb4-events simulate --accounts N` (one data set per key) and one moto server (every request SigV4-checked) on
loopback; pipeline files accounts/0.yaml … accounts/N-1.yaml, each naming its account, its key's variable and its
lake `s3://BUCKET/accounts/acct-I/`; then, P at a time, what each pod of the Indexed Job runs:

    kb4-events sync --pipeline accounts/$JOB_COMPLETION_INDEX.yaml --quiet --metrics-file textfile/kb4_events_$JOB_COMPLETION_INDEX.prom

with JOB_COMPLETION_INDEX set and every account's key in the environment (one Secret, as in
deploy/kubernetes/kb4-events-indexed-job.yaml).

  fleet.py check BIN   — the test: 12 accounts, 4 at a time, one pod killed (SIGKILL) mid-run and retried; every lake
                         read back from moto equals the simulator's truth for every day; exit 0 or a sentence.
  fleet.py bench BIN   — the measurement: N accounts (default 200) each with a history, then a nightly sync at
                         P = 10 and P = 20: wall time, total peak RSS, CPU seconds and store requests per account.

Needs the moto virtual environment's python (moto ≥ 5.2.5, boto3): run it with that interpreter.
"""
import argparse
import datetime
import gzip
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
MOTO_SERVER = os.path.join(REPO, "Tests", "KB4EventsS3Tests", "Python", "moto_server.py")
BUCKET = "kb4-fleet"


def fail(message):
    print(f"fleet: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


class Moto:
    """moto in server mode; its request log (one line a request) goes to a file, so requests can be counted."""

    def __init__(self, work):
        self.log_path = os.path.join(work, "moto.log")
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [sys.executable, MOTO_SERVER, "main", BUCKET], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self.log)
        line = b""
        while not line.startswith(b"{"):
            line = self.process.stdout.readline()
            if not line:
                fail("moto did not start (see " + self.log_path + ")")
        self.info = json.loads(line)

    def requests(self):
        """Requests moto has answered so far (its access log lines)."""
        with open(self.log_path, "rb") as f:
            return sum(1 for line in f if b'" 2' in line or b'" 3' in line or b'" 4' in line or b'" 5' in line)

    def environment(self):
        return {
            "AWS_ACCESS_KEY_ID": self.info["access_key"], "AWS_SECRET_ACCESS_KEY": self.info["secret"],
            "AWS_ENDPOINT_URL_S3": self.info["endpoint"], "AWS_REGION": "us-east-1",
        }

    def client(self):
        import boto3
        return boto3.client(
            "s3", endpoint_url=self.info["endpoint"], aws_access_key_id=self.info["access_key"],
            aws_secret_access_key=self.info["secret"], region_name="us-east-1")

    def stop(self):
        self.process.stdin.close()
        self.process.wait(timeout=30)


class Simulator:
    def __init__(self, binary, work, accounts, seed, events, days, today, rps):
        self.out = os.path.join(work, "simulator.out")
        self.process = subprocess.Popen(
            [binary, "simulate", "--port", "0", "--accounts", str(accounts), "--seed", str(seed), "--events",
             str(events), "--days", str(days), "--today", today, "--rps", str(rps)],
            stdout=open(self.out, "wb"), stderr=subprocess.DEVNULL)
        for _ in range(600):
            text = open(self.out).read()
            if "listening" in text:
                self.url = text.split()[-1]
                return
            time.sleep(0.1)
        fail("the simulator did not start")

    def get(self, path, key):
        request = urllib.request.Request(self.url + path, headers={"Authorization": "Bearer " + key})
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.read()

    def rss_mb(self):
        return rss_kb(self.process.pid) / 1024

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


def key(index):
    return f"sim-key-{index}"


def account(index):
    return f"acct-{index}"


def write_pipelines(work, url, count, lookback, fmt):
    directory = os.path.join(work, "accounts")
    os.makedirs(directory, exist_ok=True)
    for i in range(count):
        with open(os.path.join(directory, f"{i}.yaml"), "w") as f:
            f.write(
                f"version: 1\nname: {account(i)}\nsource:\n  base_url: {url}\n"
                f"  api_key_env: KB4_EVENTS_API_KEY_{i}\n  requests_per_second: 4\n"
                f"window:\n  lookback_days: {lookback}\n"
                f"output:\n  dir: s3://{BUCKET}/accounts/{account(i)}/\n  format: {fmt}\n")
    return directory


class Fleet:
    """Runs pods: one process per index, P at a time, with the Indexed Job's command and environment."""

    def __init__(self, binary, work, environment, count):
        self.binary = binary
        self.work = work
        self.textfile = os.path.join(work, "textfile")
        os.makedirs(self.textfile, exist_ok=True)
        self.environment = dict(os.environ)
        self.environment.update(environment)
        for i in range(count):
            self.environment[f"KB4_EVENTS_API_KEY_{i}"] = key(i)
        self.environment.pop("KB4_EVENTS_API_KEY", None)

    def command(self, index, extra):
        return [
            self.binary, "sync", "--pipeline", os.path.join(self.work, "accounts", f"{index}.yaml"), "--quiet",
            "--metrics-file", os.path.join(self.textfile, f"kb4_events_{index}.prom"),
        ] + extra

    def start(self, index, extra):
        env = dict(self.environment)
        env["JOB_COMPLETION_INDEX"] = str(index)
        log = open(os.path.join(self.work, f"pod-{index}.log"), "ab")
        return subprocess.Popen(self.command(index, extra), env=env, stdout=log, stderr=log)

    def run(self, indexes, parallel, extra=(), kill=None):
        """Runs every index, `parallel` at a time. `kill`: (index, seconds) — that pod is killed with SIGKILL after
        `seconds` and started again, as the Job controller retries a failed index. Returns the measurements."""
        pending = list(indexes)
        running = {}
        results = {}
        killed = set()
        peak_total = 0
        cpu = 0.0
        peak_process = 0
        started = time.monotonic()
        while pending or running:
            while pending and len(running) < parallel:
                index = pending.pop(0)
                running[index] = (self.start(index, list(extra)), time.monotonic())
            total = 0
            for index, (process, since) in list(running.items()):
                total += rss_kb(process.pid)
                if kill and index == kill[0] and index not in killed and time.monotonic() - since >= kill[1]:
                    process.send_signal(signal.SIGKILL)
                    killed.add(index)
                pid, status, usage = os.wait4(process.pid, os.WNOHANG)
                if pid == 0:
                    continue
                process.returncode = os.waitstatus_to_exitcode(status)
                cpu += usage.ru_utime + usage.ru_stime
                peak_process = max(peak_process, usage.ru_maxrss)
                del running[index]
                if process.returncode == -signal.SIGKILL and index in killed and index not in results:
                    results[index] = "killed"
                    pending.insert(0, index)  # the retry (backoffLimitPerIndex)
                    continue
                results[index] = process.returncode
            peak_total = max(peak_total, total)
            time.sleep(0.05)
        return {
            "wall": time.monotonic() - started, "exit_codes": results, "peak_total_mb": peak_total / 1024,
            "peak_process_mb": peak_process / 1024, "cpu": cpu, "killed": sorted(killed),
        }


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def lake_days(s3, name):
    """{day: [event id, …]} of the NDJSON lake in moto, in file order; and the manifest's days."""
    prefix = f"accounts/{name}/"
    manifest = json.loads(s3.get_object(Bucket=BUCKET, Key=prefix + "_manifest.json")["Body"].read())
    days = {}
    for day in manifest["windows"]:
        body = s3.get_object(Bucket=BUCKET, Key=f"{prefix}events/dt={day}/part-00000.ndjson.gz")["Body"].read()
        days[day] = [json.loads(line)["id"] for line in gzip.decompress(body).splitlines() if line]
    return days


def truth_days(simulator, index, first, last):
    """{day: [event id, …]} of the simulator's truth for the account, days first … last."""
    days = {}
    for line in simulator.get("/_sim/truth", key(index)).splitlines():
        if not line:
            continue
        event = json.loads(line)
        day = event["occurred_date"][:10]
        if first <= day <= last:
            days.setdefault(day, []).append(event["id"])
    return days


def day_range(first, last):
    d = datetime.date.fromisoformat(first)
    end = datetime.date.fromisoformat(last)
    out = []
    while d <= end:
        out.append(d.isoformat())
        d += datetime.timedelta(days=1)
    return out


def shift(day, days):
    return (datetime.date.fromisoformat(day) + datetime.timedelta(days=days)).isoformat()


def check(args):
    """12 accounts, 4 at a time; one pod killed mid-run and retried; every lake exact."""
    count, parallel, today = args.accounts, args.parallel, args.today
    with tempfile.TemporaryDirectory(prefix="kb4-fleet-") as work:
        moto = Moto(work)
        simulator = Simulator(args.binary, work, count, seed=40, events=args.events, days=args.days, today=today,
                              rps=0)
        try:
            write_pipelines(work, simulator.url, count, lookback=3, fmt="ndjson")
            fleet = Fleet(args.binary, work, moto.environment(), count)
            first = shift(today, -args.days + 1)
            extra = ["--today", today, "--start-date", first]
            victim = count // 2
            result = fleet.run(range(count), parallel, extra, kill=(victim, args.kill_after))
            codes = result["exit_codes"]
            bad = {i: c for i, c in codes.items() if c != 0}
            if bad:
                logs = {i: open(os.path.join(work, f"pod-{i}.log")).read()[-400:] for i in bad}
                fail(f"pods exited non-zero: {bad}; logs: {logs}")
            if victim not in result["killed"]:
                fail(f"pod {victim} finished before it could be killed (after {args.kill_after} s): raise --events")
            s3 = moto.client()
            yesterday = shift(today, -1)
            for i in range(count):
                got = lake_days(s3, account(i))
                want = truth_days(simulator, i, first, yesterday)
                for day in day_range(first, yesterday):
                    if day not in got:
                        fail(f"{account(i)} day {day}: not in the lake's manifest")
                    if sorted(got[day]) != sorted(want.get(day, [])):
                        fail(f"{account(i)} day {day}: the lake has {len(got[day])} events "
                             f"({len(set(got[day]))} distinct), the API {len(want.get(day, []))}")
                metrics = open(os.path.join(fleet.textfile, f"kb4_events_{i}.prom")).read()
                if f'account="{account(i)}"' not in metrics:
                    fail(f"{account(i)}: its metrics file does not carry its label")
            print(f"fleet check: {count} accounts, {parallel} at a time, pod {victim} killed after "
                  f"{args.kill_after} s and retried: every lake equals the API ({len(day_range(first, yesterday))} "
                  f"days each), {result['wall']:.1f} s")
        finally:
            simulator.stop()
            moto.stop()


def bench(args):
    count, today = args.accounts, args.today
    rows = []
    with tempfile.TemporaryDirectory(prefix="kb4-fleet-") as work:
        moto = Moto(work)
        # The simulator's today is one day past the last nightly run's, so every night below has its yesterday.
        last_night = shift(today, len(args.parallel))
        simulator = Simulator(args.binary, work, count, seed=100, events=args.events, days=args.days,
                              today=last_night, rps=4)
        try:
            write_pipelines(work, simulator.url, count, lookback=3, fmt=args.format)
            fleet = Fleet(args.binary, work, moto.environment(), count)
            history_first = shift(today, -args.history_days)
            before = moto.requests()
            history = fleet.run(
                range(count), max(args.parallel), ["--today", shift(today, -1), "--start-date", history_first])
            bad = {i: c for i, c in history["exit_codes"].items() if c != 0}
            if bad:
                fail(f"history runs exited non-zero: {bad}")
            rows.append(("history", max(args.parallel), history, (moto.requests() - before) / count))
            for n, parallel in enumerate(args.parallel):
                night = shift(today, n)
                before = moto.requests()
                result = fleet.run(range(count), parallel, ["--today", night])
                bad = {i: c for i, c in result["exit_codes"].items() if c != 0}
                if bad:
                    fail(f"nightly runs ({night}) exited non-zero: {bad}")
                rows.append((f"nightly {night}", parallel, result, (moto.requests() - before) / count))
            sim_rss = simulator.rss_mb()
            status = None
            if args.status:
                t0 = time.monotonic()
                env = dict(fleet.environment)
                done = subprocess.run(
                    [args.binary, "status", "--fleet", f"s3://{BUCKET}/accounts/", "--today", shift(today, len(args.parallel) - 1),
                     "--output", "json"], env=env, capture_output=True)
                status = (time.monotonic() - t0, done.returncode, len(done.stdout))
        finally:
            simulator.stop()
            moto.stop()
    print(f"| run | accounts | P | wall | total peak RSS | per-process peak RSS | CPU-s per account | store requests per account |")
    print("|---|---|---|---|---|---|---|---|")
    for label, parallel, r, requests in rows:
        print(f"| {label} | {count} | {parallel} | {r['wall']:.1f} s | {r['peak_total_mb']:.0f} MB | "
              f"{r['peak_process_mb']:.0f} MB | {r['cpu'] / count:.2f} | {requests:.1f} |")
    print(f"simulator RSS after every account was served: {sim_rss:.0f} MB")
    if status:
        print(f"status --fleet over {count} lakes in moto: {status[0]:.1f} s, exit {status[1]}, {status[2]} bytes of JSON")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    c = sub.add_parser("check")
    c.add_argument("binary")
    c.add_argument("--accounts", type=int, default=12)
    c.add_argument("--parallel", type=int, default=4)
    c.add_argument("--events", type=int, default=3000)
    c.add_argument("--days", type=int, default=6)
    c.add_argument("--today", default="2026-11-22")
    c.add_argument("--kill-after", type=float, default=0.3)
    b = sub.add_parser("bench")
    b.add_argument("binary")
    b.add_argument("--accounts", type=int, default=200)
    b.add_argument("--parallel", type=int, nargs="+", default=[10, 20])
    b.add_argument("--events", type=int, default=3600, help="events per account over --days (about 300 a day)")
    b.add_argument("--days", type=int, default=12)
    b.add_argument("--history-days", type=int, default=7)
    b.add_argument("--format", default="ndjson")
    b.add_argument("--today", default="2026-11-22")
    b.add_argument("--status", action="store_true", help="also time status --fleet over the bucket")
    args = parser.parse_args()
    args.binary = os.path.abspath(args.binary)
    check(args) if args.mode == "check" else bench(args)


if __name__ == "__main__":
    main()
