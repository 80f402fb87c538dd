#!/usr/bin/python3
"""Runs a server that does not watch its standard input (redis-server, gunicorn) so that it stops with its starter.

    /usr/bin/python3 tests/interop/tools/peer_guard.py [--name NAME] [--grace SECONDS] -- PROGRAM [ARGS...]

PROGRAM runs with this process's standard output and error, standard input /dev/null, in a process group of its own
(peer_child.py). It is stopped in an orderly way (SIGTERM; SIGKILL to its process group only if it is still running
--grace seconds later, 10 by default), together with anything it left in its group (gunicorn's workers, say), when
standard input closes (the test host that started this guard died or closed it), on SIGTERM/SIGINT, and when this guard
is killed outright (the kernel sends PROGRAM SIGTERM: PR_SET_PDEATHSIG). Exits with PROGRAM's exit code (128 + N when
signal N killed it), or 0 when it stopped PROGRAM itself.
"""
import argparse
import os
import signal
import subprocess
import sys
import threading

import peer_child


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--name", default="guard", help="used in log lines")
    p.add_argument("--grace", type=float, default=10.0, help="seconds between SIGTERM and SIGKILL")
    p.add_argument("command", nargs=argparse.REMAINDER, help="-- PROGRAM [ARGS...]")
    args = p.parse_args(argv)
    if args.command[:1] == ["--"]:
        args.command = args.command[1:]
    if not args.command:
        p.error("no program given (… -- PROGRAM [ARGS...])")
    return args


def main():
    args = parse_args(sys.argv[1:])
    stopping = threading.Event()
    process = None

    def log(text):
        print(f"[{args.name}] {text}", file=sys.stderr, flush=True)

    def stop(*_):
        stopping.set()
        if process is not None and process.poll() is None:
            process.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        process = peer_child.spawn(args.command, stdin=subprocess.DEVNULL)
        if stopping.is_set():
            process.terminate()  # a stop came while it was being started

        def watch():
            # os.read, not sys.stdin: a daemon thread blocked in a buffered read holds its lock, and the interpreter
            # aborts (SIGABRT) when it exits while that lock is held.
            while os.read(sys.stdin.fileno(), 4096):
                pass
            stop()

        threading.Thread(target=watch, daemon=True).start()
        code = process.wait()
        if not stopping.is_set():
            log(f"{args.command[0]} exited with code {code}")
        sys.exit(0 if stopping.is_set() else code if code >= 0 else 128 - code)  # killed by signal N: 128 + N
    finally:
        if process is not None:
            peer_child.stop(process, timeout=args.grace, log=log)


if __name__ == "__main__":
    main()
