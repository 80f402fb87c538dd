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
"""
import argparse
import ctypes
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


def die_with_parent():
    # nginx's master must not outlive this launcher, even when the launcher is killed with SIGKILL alone.
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def accepts(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def start(args, prefix, port):
    """Starts nginx on `port`; returns the process once it accepts connections, or None if it exited first."""
    config = write_config(args, prefix, port)
    command = [args.nginx, "-p", prefix, "-c", config, "-g", "daemon off;"]
    log(args, "$ " + " ".join(command))
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, preexec_fn=die_with_parent)  # noqa: S603
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return None
        if accepts(port):
            return process
        time.sleep(0.02)
    process.kill()
    raise SystemExit(f"nginx did not accept connections on port {port} within {READY_TIMEOUT_SECONDS} s")


def main():
    args = parse_args(sys.argv[1:])
    if not os.path.exists(args.nginx):
        raise SystemExit(f"{args.nginx} does not exist (Debian package nginx-light)")
    owned_dir = args.dir is None
    prefix = tempfile.mkdtemp(prefix="pn-nginx-") if owned_dir else os.path.abspath(args.dir)
    os.makedirs(prefix, exist_ok=True)

    process = None
    stopping = threading.Event()

    def stop(*_):
        stopping.set()
        if process is not None and process.poll() is None:
            process.terminate()  # nginx: SIGTERM is a fast shutdown

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        attempts = PORT_ATTEMPTS if args.port == 0 else 1
        for _ in range(attempts):
            port = args.port or free_port()
            process = start(args, prefix, port)
            if process is not None:
                break
            log(args, f"nginx exited while starting on port {port}")
        if process is None:
            raise SystemExit(f"nginx did not start ({attempts} attempt(s)); see its error log above")

        log(args, f"nginx {nginx_version(args)} forward_upgrade={args.forward_upgrade} "
                  f"upstream=127.0.0.1:{args.upstream_port} prefix={prefix}")
        print(f"PEER_READY port={port}", flush=True)
        if args.exit_on_stdin_close:
            def watch():
                while sys.stdin.buffer.read(4096):
                    pass
                stop()

            threading.Thread(target=watch, daemon=True).start()
        code = process.wait()
        if not stopping.is_set():
            log(args, f"nginx exited with code {code}")
        sys.exit(0 if stopping.is_set() else code or 1)
    finally:
        if process is not None and process.poll() is None:
            process.kill()
        if owned_dir:
            shutil.rmtree(prefix, ignore_errors=True)


def nginx_version(args):
    result = subprocess.run([args.nginx, "-v"], capture_output=True, text=True, check=False)  # noqa: S603
    return (result.stderr or result.stdout).strip().rpartition("/")[2]


if __name__ == "__main__":
    main()
