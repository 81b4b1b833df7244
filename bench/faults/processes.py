"""The processes a fault scenario runs: its own redis-server, scim2-servers, fault proxies,
Celery workers and beat. Each writes to a log file of its own in the run's folder; each is
stopped by its process id when the suite ends, whatever happens (an exception, Ctrl-C,
SIGTERM): nothing is left on a port. Everything listens on 127.0.0.1 only."""

import atexit
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
HOST = "127.0.0.1"

_started = []  # every Proc this process started, stopped at exit


class NotReady(RuntimeError):
    pass


class Proc:
    """A process we started, its output going to `log`."""

    def __init__(self, name, cmd, log, env=None, cwd=ROOT):
        self.name, self.cmd, self.log = name, cmd, Path(log)
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.log, "ab")  # noqa: SIM115  (closed in stop())
        self._read = self.log.stat().st_size  # what an earlier run of it wrote is not read
        self.popen = subprocess.Popen(
            cmd,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches the suite, which stops these in order
        )
        self.pid = self.popen.pid
        self.started_at = time.monotonic()
        _started.append(self)

    def alive(self):
        return self.popen.poll() is None

    def wait_for(self, pattern, timeout=60.0):
        """Waits until the log shows `pattern` (a regex); returns the match."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        seen = ""
        while time.monotonic() < deadline:
            with open(self.log, "rb") as log:
                log.seek(self._read)
                chunk = log.read()
            self._read += len(chunk)
            seen += chunk.decode(errors="replace")
            match = regex.search(seen)
            if match:
                return match
            if not self.alive():
                break
            time.sleep(0.05)
        tail = "\n".join(seen.splitlines()[-15:])
        self.kill()
        raise NotReady(f"{self.name} was not ready ({pattern!r}); the end of its log:\n{tail}")

    def signal(self, signum):
        if self.alive():
            try:
                os.kill(self.pid, signum)
            except ProcessLookupError:
                pass

    def kill(self):
        """SIGKILL, and reap it."""
        self.signal(signal.SIGKILL)
        try:
            self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        self._close()

    def stop(self, timeout=10.0):
        """SIGTERM; SIGKILL after `timeout` seconds."""
        self.signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
        self._close()

    def _close(self):
        if not self._file.closed:
            self._file.close()


def stop_everything():
    """Stops every process this suite started and that still runs (by its id)."""
    alive = [proc for proc in _started if proc.alive()]
    for proc in alive:
        proc.signal(signal.SIGTERM)
    deadline = time.monotonic() + 5
    for proc in alive:
        try:
            proc.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
    for proc in _started:
        proc._close()


atexit.register(stop_everything)


def _terminated(signum, frame):
    raise SystemExit(128 + signum)  # unwinds through the finally blocks, then atexit


def install_signal_handlers():
    signal.signal(signal.SIGTERM, _terminated)
    signal.signal(signal.SIGHUP, _terminated)


def port_is_free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((HOST, port)) != 0


def free_port(first=6390, last=6499):
    """A port in first..last nobody listens on (our redis-server restarts on the same one)."""
    start = first + os.getpid() % (last - first + 1)  # two suites at once pick apart
    for offset in range(last - first + 1):
        port = first + (start - first + offset) % (last - first + 1)
        if port_is_free(port):
            return port
    raise RuntimeError(f"No free port in {first}-{last}.")


class RedisServer:
    """Our own redis-server, without persistence: a restart starts it empty."""

    def __init__(self, port, run_dir):
        self.port, self.run_dir = port, Path(run_dir)
        self.proc = None
        self.starts = 0

    @property
    def url(self):
        return f"redis://{HOST}:{self.port}/0"

    def start(self):
        self.starts += 1
        cmd = [
            "redis-server",
            "--port",
            str(self.port),
            "--bind",
            HOST,
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.run_dir),
            "--protected-mode",
            "yes",
        ]
        self.proc = Proc("redis-server", cmd, self.run_dir / "redis.log")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.ping():
                return self
            if not self.proc.alive():
                break
            time.sleep(0.05)
        self.proc.kill()
        raise NotReady(f"redis-server did not start on port {self.port} (see {self.proc.log})")

    def ping(self):
        try:
            with socket.create_connection((HOST, self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def command(self, *words):
        payload = f"*{len(words)}\r\n" + "".join(f"${len(w)}\r\n{w}\r\n" for w in words)
        with socket.create_connection((HOST, self.port), timeout=2) as sock:
            sock.sendall(payload.encode())
            return sock.recv(4096).decode(errors="replace").strip()

    def flush(self):
        return self.command("FLUSHALL")

    def crash(self):
        """SIGKILL: the broker is gone at once, and comes back empty."""
        self.proc.kill()
        self._wait_closed()

    def stop(self):
        """SIGTERM: a clean stop (nothing saved: it comes back empty too)."""
        self.proc.stop()
        self._wait_closed()

    def _wait_closed(self):
        """Until nothing answers on the port (redis-server binds it again with SO_REUSEADDR:
        the old connections' TIME_WAIT does not matter)."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                sock.settimeout(0.2)
                if sock.connect_ex((HOST, self.port)) != 0:
                    return
            time.sleep(0.05)


def scim_server(run_dir, name, token):
    """A scim2-server process (as bench/provisioning.py starts them); returns (proc, URL of
    its root: http://127.0.0.1:PORT)."""
    proc = Proc(
        f"scim2-server {name}",
        [PYTHON, "-m", "provisioning.scim_server", "--port", "0", "--token", token],
        Path(run_dir) / f"scim-{name}.log",
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    match = proc.wait_for(r"SCIM server ready at (http://\S+)/v2")
    return proc, match.group(1)


def fault_proxy(run_dir, name, upstream):
    """A fault proxy process in front of upstream; returns (proc, its URL)."""
    proc = Proc(
        f"fault proxy {name}",
        [PYTHON, "-m", "bench.faults.proxy", "--upstream", upstream],
        Path(run_dir) / f"proxy-{name}.log",
        env={**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT)},
    )
    match = proc.wait_for(r"fault proxy ready at (http://\S+)")
    return proc, match.group(1)


def celery_worker(run_dir, name, env):
    """A Celery worker as production runs it (docker-compose.yml: a thread pool)."""
    proc = Proc(
        f"worker {name}",
        [
            PYTHON,
            "-m",
            "celery",
            "-A",
            "bitium",
            "worker",
            "-n",
            f"{name}@%h",
            "--loglevel",
            "INFO",
            "--pool",
            "threads",
        ],
        Path(run_dir) / f"{name}.log",
        env=env,
    )
    return proc


def celery_beat(run_dir, name, env):
    return Proc(
        f"beat {name}",
        [
            PYTHON,
            "-m",
            "celery",
            "-A",
            "bitium",
            "beat",
            "--loglevel",
            "INFO",
            "--schedule",
            str(Path(run_dir) / f"{name}-schedule"),
        ],
        Path(run_dir) / f"{name}.log",
        env=env,
    )
