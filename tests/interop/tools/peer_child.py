"""Starting and stopping the server a launcher owns (nginx under nginx_proxy.py, anything under peer_guard.py), so
that neither the server nor anything it started outlives the launcher.

- `spawn` starts the server in a process group of its own (its children, nginx's workers say, join it) and asks the
  kernel to send it SIGTERM, which servers handle as an orderly stop, when the launcher dies, even by SIGKILL
  (PR_SET_PDEATHSIG; not SIGKILL: an nginx master killed that way never stops its workers).
- `stop` asks the server to stop (SIGTERM), waits a bounded time for it, then kills its process group (SIGKILL); it
  also ends whatever the server left in its group (a worker of a crashed master).
"""
import ctypes
import os
import signal
import subprocess
import time

PR_SET_PDEATHSIG = 1


def spawn(command, **popen_kwargs):
    """Starts `command` (a list) in a new process group, told to stop (SIGTERM) when this process dies."""
    launcher = os.getpid()

    def in_child():
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG)")
        if os.getppid() != launcher:
            # The launcher died between fork and prctl: no parent-death signal will ever come.
            raise RuntimeError("the launcher is gone")

    # PR_SET_PDEATHSIG fires when the *thread* that forked exits: callers spawn from their main thread.
    return subprocess.Popen(command, process_group=0, preexec_fn=in_child, **popen_kwargs)  # noqa: S603


def group_alive(pgid):
    """Whether any process (not a zombie) is left in process group `pgid`."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # kill(…, 0) also succeeds for zombies (dead, not yet reaped by init): look at the members' states.
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as f:
                fields = f.read().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            return True
    return False


def wait_group(pgid, timeout):
    deadline = time.monotonic() + timeout
    while group_alive(pgid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)
    return True


def killpg(pgid, sig):
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def stop(process, timeout=10.0, log=print):
    """Stops `process` (started by `spawn`) and everything in its process group; returns its exit code."""
    pgid = process.pid
    if process.poll() is None:
        try:
            process.send_signal(signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            log(f"pid {process.pid} still running {timeout:g} s after SIGTERM: SIGKILL to its process group")
            killpg(pgid, signal.SIGKILL)
            process.wait()
    if group_alive(pgid):
        # The leader is gone but left processes behind (an nginx master killed without stopping its workers, say).
        log(f"process group {pgid} outlived its leader: SIGTERM, then SIGKILL after {timeout:g} s")
        killpg(pgid, signal.SIGTERM)
        if not wait_group(pgid, timeout):
            killpg(pgid, signal.SIGKILL)
            wait_group(pgid, timeout)
    return process.returncode
