#!/usr/bin/python3
"""Runs Debian's nginx, unprivileged, as a reverse proxy in front of an interop peer on a loopback port.

    /usr/bin/python3 tests/interop/tools/nginx_proxy.py --upstream-port 5001 [--port 0] [--forward-upgrade]
        [--dir DIR] [--name nginx] [--exit-on-stdin-close] [--nginx /usr/sbin/nginx]

Without --forward-upgrade the configuration is nginx's plainest `location / { proxy_pass ...; }`
(tests/interop/nginx/proxy-plain.conf.template): WebSocket handshakes reach the backend without `Upgrade`, so only
long-polling works. With it, nginx forwards `Upgrade`/`Connection` over HTTP/1.1 (proxy-upgrade.conf.template).

nginx cannot report a port it picked, so --port 0 picks a free one here and tries again (a few times) if another
process took it first. Everything nginx writes (pid file, temp directories) lives in --dir, a fresh temporary
directory by default (removed on exit). The configuration is started as
`nginx -p DIR -c DIR/nginx.conf -g 'daemon off;'`; nginx's access log goes to standard output and its error log to
standard error. Once nginx accepts connections this prints one line `PEER_READY port=<port>`, then stays until nginx
exits, a SIGTERM/SIGINT, or (with --exit-on-stdin-close) the end of standard input.

Stopping (peer_child.py): nginx runs in a process group of its own. On SIGTERM/SIGINT, at the end of standard input,
when nginx fails to start, or when this launcher exits for any other reason, nginx's master gets SIGTERM (nginx's fast
shutdown: it stops its workers and waits for them), and whatever is still running 10 s later in its group gets
SIGKILL. If this launcher is killed outright (SIGKILL), the kernel sends nginx's master SIGTERM (PR_SET_PDEATHSIG):
never SIGKILL, since a master killed that way leaves its workers running.
"""
import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import peer_child

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATES = os.path.join(os.path.dirname(HERE), "nginx")
PORT_ATTEMPTS = 5
READY_TIMEOUT_SECONDS = 10


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--upstream-port", type=int, required=True, help="the peer nginx forwards to, on 127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="where nginx listens on 127.0.0.1; 0 picks a free port")
    p.add_argument("--forward-upgrade", action="store_true", help="forward WebSocket handshakes (Upgrade, HTTP/1.1)")
    p.add_argument("--dir", help="nginx's prefix directory (config, pid, temp files); default: a temporary one")
    p.add_argument("--name", default="nginx", help="name used in log lines")
    p.add_argument("--nginx", default=os.environ.get("PN_INTEROP_NGINX", "/usr/sbin/nginx"), help="nginx binary")
    p.add_argument("--exit-on-stdin-close", action="store_true",
                   help="stop nginx and exit when standard input closes (the test host that started us died)")
    return p.parse_args(argv)


def log(args, text):
    print(f"[{args.name}] {text}", flush=True)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(args, prefix, port):
    template = "proxy-upgrade.conf.template" if args.forward_upgrade else "proxy-plain.conf.template"
    with open(os.path.join(TEMPLATES, template), encoding="utf-8") as f:
        text = f.read()
    for name, value in (("PREFIX", prefix), ("LISTEN_PORT", port), ("UPSTREAM_PORT", args.upstream_port)):
        text = text.replace(f"@@{name}@@", str(value))
    unfilled = re.findall(r"@@[A-Z_]+@@", text)
    if unfilled:
        raise SystemExit(f"{template}: placeholders left unfilled: {', '.join(sorted(set(unfilled)))}")
    path = os.path.join(prefix, "nginx.conf")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def accepts(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class Launcher:
    """nginx and how it is stopped: `stop` may come from a signal handler or the stdin watcher at any time."""

    def __init__(self, args):
        self.args = args
        self.process = None
        self.stopping = threading.Event()

    def stop(self, *_):
        self.stopping.set()
        process = self.process
        if process is not None and process.poll() is None:
            process.terminate()  # nginx: SIGTERM is a fast shutdown (the master stops its workers, then exits)

    def start(self, prefix, port):
        """Starts nginx on `port`; returns True once it accepts connections, False if it exited first (or a stop came)."""
        args = self.args
        config = write_config(args, prefix, port)
        command = [args.nginx, "-p", prefix, "-c", config, "-g", "daemon off;"]
        log(args, "$ " + " ".join(command))
        self.process = peer_child.spawn(command, stdin=subprocess.DEVNULL)
        if self.stopping.is_set():
            return False  # a stop came while it was being started
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None or self.stopping.is_set():
                return False
            if accepts(port):
                return True
            time.sleep(0.02)
        self.stop_nginx()
        raise SystemExit(f"nginx did not accept connections on port {port} within {READY_TIMEOUT_SECONDS} s")

    def stop_nginx(self):
        if self.process is not None:
            peer_child.stop(self.process, log=lambda text: log(self.args, text))


def main():
    args = parse_args(sys.argv[1:])
    if not os.path.exists(args.nginx):
        raise SystemExit(f"{args.nginx} does not exist (Debian package nginx-light)")
    owned_dir = args.dir is None
    prefix = tempfile.mkdtemp(prefix="pn-nginx-") if owned_dir else os.path.abspath(args.dir)
    os.makedirs(prefix, exist_ok=True)

    launcher = Launcher(args)
    signal.signal(signal.SIGTERM, launcher.stop)
    signal.signal(signal.SIGINT, launcher.stop)
    try:
        attempts = PORT_ATTEMPTS if args.port == 0 else 1
        started = False
        for _ in range(attempts):
            port = args.port or free_port()
            started = launcher.start(prefix, port)
            if started or launcher.stopping.is_set():
                break
            log(args, f"nginx exited while starting on port {port}")
            launcher.stop_nginx()  # what it left in its process group, if anything
        if launcher.stopping.is_set():
            sys.exit(0)
        if not started:
            raise SystemExit(f"nginx did not start ({attempts} attempt(s)); see its error log above")

        log(args, f"nginx {nginx_version(args)} forward_upgrade={args.forward_upgrade} "
                  f"upstream=127.0.0.1:{args.upstream_port} prefix={prefix}")
        print(f"PEER_READY port={port}", flush=True)
        if args.exit_on_stdin_close:
            def watch():
                # os.read, not sys.stdin: a daemon thread blocked in a buffered read holds its lock, and the interpreter
                # aborts (SIGABRT) when it exits while that lock is held.
                while os.read(sys.stdin.fileno(), 4096):
                    pass
                launcher.stop()

            threading.Thread(target=watch, daemon=True).start()
        code = launcher.process.wait()
        if not launcher.stopping.is_set():
            log(args, f"nginx exited with code {code}")
        sys.exit(0 if launcher.stopping.is_set() else code or 1)
    finally:
        # Every way out (nginx exited, a stop, a failed start, an exception): nginx and its workers are gone after this.
        launcher.stop_nginx()
        if owned_dir:
            shutil.rmtree(prefix, ignore_errors=True)


def nginx_version(args):
    result = subprocess.run([args.nginx, "-v"], capture_output=True, text=True, check=False)  # noqa: S603
    return (result.stderr or result.stdout).strip().rpartition("/")[2]


if __name__ == "__main__":
    main()
