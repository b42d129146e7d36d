"""`kindbelang serve`: the Dagster daemon (schedule, sensors, run queue) and web UI as one long-running service.

`kindbelang run` executes in its own process and stops; the release sensor and the monthly schedule only run
while a `dagster-daemon` runs against the same instance. This module starts that daemon and (unless
--no-webserver) `dagster-webserver` as child processes on the project instance, optionally turns the automation
on first, and supervises both: a signal stops both cleanly, one child dying stops the other. See
docs/deployment.md for running it under systemd.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from kindbelang import settings

CODE = ["-m", "kindbelang.definitions"]
FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
# Seconds the children get to stop, then what they left running gets: together well below systemd's default
# TimeoutStopSec (90 s), so the service stops itself rather than being killed.
STOP_TIMEOUT, GRACE = 12.0, 5.0
POLL = 0.5


@dataclass
class Child:
    label: str  # Dutch, for messages: "de Dagster-daemon"
    process: subprocess.Popen


class Stop:
    """Set by the signal handler; the main loop does the work (handlers must not block)."""

    signal: int | None = None


def mark_killed_cli_runs() -> None:
    """A CLI run killed earlier keeps the writer slot of the run queue until it is marked failed; do that now if
    no CLI command holds the lock (then it is dead, not busy)."""
    import dagster as dg

    from kindbelang.cli import clean_up_after_killed_runs
    from kindbelang.run_lock import RunInProgress, exclusive_run

    try:
        with exclusive_run(settings.out_dir(), command="kindbelang serve (opstarten)"):
            clean_up_after_killed_runs(dg.DagsterInstance.get())
    except RunInProgress:
        pass  # a kindbelang run or fetch is busy: its run is alive


def serve(args: argparse.Namespace) -> int:
    from kindbelang.cli import use_project_instance

    use_project_instance()
    mark_killed_cli_runs()
    stop = Stop()
    _install_handlers(stop)
    if args.start_automation and not start_automation(stop):
        return 1
    if stop.signal is not None:  # stopped while the automation was being switched on
        return 0
    children = [start_child("de Dagster-daemon", "dagster-daemon", ["run", *CODE])]
    if not args.no_webserver:
        children.append(start_child("de Dagster-webserver", "dagster-webserver",
                                    [*CODE, "-h", args.host, "-p", str(args.port)]))
    print_overview(args, children)
    return supervise(children, stop)


def _install_handlers(stop: Stop) -> None:
    def handle(signum, _frame):
        stop.signal = stop.signal or signum

    for signum in FORWARDED:
        signal.signal(signum, handle)


def _executable(name: str) -> str:
    """The Dagster commands of this environment (beside sys.executable), not whatever PATH finds first."""
    return str(Path(sys.executable).with_name(name))


# --------------------------------------------------------------------------------------------- automation


def automation_names() -> list[tuple[str, str]]:
    """(kind, name) of the release sensor, the monthly schedule and the failure sensor."""
    from kindbelang import automation

    return [("sensor", automation.cbs_release_sensor.name),
            ("schedule", automation.monthly_monitor_refresh.name),
            ("sensor", automation.monitor_failure_sensor.name)]


def start_automation(stop: Stop) -> bool:
    """Turn each one on in the instance with Dagster's own CLI (`dagster sensor|schedule start`); starting one
    that already runs is a no-op, so a restart of the service is harmless. The daemon picks the state up."""
    for kind, name in automation_names():
        if stop.signal is not None:
            return True
        print(f"Automatisering aanzetten: {name} ...", flush=True)
        done = subprocess.run([_executable("dagster"), kind, "start", name, *CODE],
                              capture_output=True, text=True)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or [f"exitcode {done.returncode}"])[-1]
            print(f"FOUT: {name} kon niet worden aangezet: {last}", file=sys.stderr)
            return False
    return True


def running_automation() -> list[str]:
    """What the instance (not the code's default) says is on: the daemon acts on exactly this."""
    import dagster as dg

    names = {name for _, name in automation_names()}
    with dg.DagsterInstance.get() as instance:
        return sorted(s.name for s in instance.all_instigator_state() if s.name in names and s.is_running)


# --------------------------------------------------------------------------------------------- processes


def start_child(label: str, command: str, arguments: list[str]) -> Child:
    # Own process group: a Ctrl-C in the terminal reaches only this supervisor, which forwards it once, and
    # what a child starts itself (code servers, run workers) can be stopped with it.
    process = subprocess.Popen([_executable(command), *arguments], start_new_session=True)
    return Child(label, process)


def print_overview(args: argparse.Namespace, children: list[Child]) -> None:
    from kindbelang import automation

    home = os.environ["DAGSTER_HOME"]
    print(f"kindbelang draait als dienst; uitvoer in {settings.out_dir()}", flush=True)
    print(f"  Dagster-instantie: {home}")
    print(f"  Dagster-daemon (schema en sensoren, run-wachtrij): proces {children[0].process.pid}")
    if args.no_webserver:
        print("  Dagster-webserver: niet gestart (--no-webserver)")
    else:
        print(f"  Dagster-webserver: {_url(args.host, args.port)} (proces {children[1].process.pid})")
    on = running_automation()
    if on:
        interval = automation.cbs_release_sensor.minimum_interval_seconds
        print(f"  Automatisering aan: {', '.join(on)} (releasesensor: elke {_duration(interval)}; "
              "maandschema: de 2e van de maand om 06:00, Europe/Amsterdam)")
    else:
        print("  Automatisering: alles uit (aanzetten met --start-automation of in de webinterface)")
    print("Stoppen: Ctrl-C of SIGTERM.", flush=True)


def _url(host: str, port: int) -> str:
    if host in ("0.0.0.0", "::", ""):
        return f"http://{socket.gethostname()}:{port} (luistert op alle adressen)"
    return f"http://{'[' + host + ']' if ':' in host else host}:{port}"


def _duration(seconds: int) -> str:
    if seconds % 3600 == 0:
        return f"{seconds // 3600} uur"
    if seconds % 60 == 0:
        return f"{seconds // 60} minuten" if seconds != 60 else "minuut"
    return f"{seconds} seconden"


def supervise(children: list[Child], stop: Stop) -> int:
    """Wait for a signal (0 after stopping both) or for a child to die (stop the other, 1)."""
    while stop.signal is None:
        dead = next((c for c in children if c.process.poll() is not None), None)
        if dead is not None:
            others = [c for c in children if c is not dead]
            stop_children(children, signal.SIGTERM)  # the others, and what the dead one left running
            also = f"; {' en '.join(c.label for c in others)} is daarom ook gestopt" if others else ""
            print(f"FOUT: {dead.label} is onverwacht gestopt ({_how(dead.process.returncode)}){also}.",
                  file=sys.stderr, flush=True)
            return 1
        time.sleep(POLL)
    print(f"Signaal {signal.Signals(stop.signal).name} ontvangen: de dienst stopt.", flush=True)
    # SIGTERM and SIGINT go on as they came; a hangup (terminal closed) is a stop request too.
    stop_children(children, signal.SIGINT if stop.signal == signal.SIGINT else signal.SIGTERM)
    print("kindbelang serve is gestopt.", flush=True)
    return 0


def _how(returncode: int) -> str:
    return f"signaal {signal.Signals(-returncode).name}" if returncode < 0 else f"exitcode {returncode}"


def stop_children(children: list[Child], signum: int) -> None:
    """Forward ``signum`` to each child and give them STOP_TIMEOUT together; then stop what is left in their
    process groups (a code server still finishing, a run worker: interrupted, Dagster records the run as failed
    instead of leaving it started, which would hold the one-writer slot), and after GRACE kill what refuses."""
    deadline = time.monotonic() + STOP_TIMEOUT
    for child in children:
        if child.process.poll() is None:
            child.process.send_signal(signum)
    for child in children:
        try:
            child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
    groups = [child.process.pid for child in children]  # each child leads its own group (start_child)
    for pgid in groups:
        _signal_group(pgid, signal.SIGTERM)
    grace = time.monotonic() + GRACE
    while any(_group_alive(pgid) for pgid in groups) and time.monotonic() < grace:
        time.sleep(0.1)
    for pgid in groups:
        _signal_group(pgid, signal.SIGKILL)
    for child in children:
        child.process.wait()


def _signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except (ProcessLookupError, PermissionError):
        pass  # the group is empty: everything in it has stopped


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True
