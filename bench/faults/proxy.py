"""A small fault-injecting HTTP reverse proxy in front of one vendor (a scim2-server).

    python -m bench.faults.proxy --upstream http://127.0.0.1:8701 [--port 0]

prints "fault proxy ready at http://127.0.0.1:PORT" and forwards every request to the
upstream, unless a fault rule picks it. Rules are set at run time on its control endpoint
(paths starting with /_ are never forwarded):

    POST   /_fault   {"rules": [RULE, ...], "add": false}   replace (or add to) the rules
    GET    /_fault                                          the rules in force
    DELETE /_fault                                          no faults any more
    GET    /_log?since=N                                    the requests recorded from the Nth
    GET    /_stats                                          counts; requests in flight (and most)
    POST   /_stats/reset                                    "most in flight" starts again

A RULE (the first that matches a request and fires picks it):

    kind         "status": answer `status` itself (500, 429 with Retry-After, 401, ...)
                 "hang":   hold the request `hang` seconds (longer than the client's read
                           timeout), then close the connection (or forward it late: forward)
                 "drop":   forward the request (the create reaches the server), then close
                           the connection without answering: the client sees a reset
    status, retry_after, hang, forward     as above
    methods      ["POST"]: only these methods (default: any)
    path         a substring of the path, e.g. "/Users" (default: any)
    probability  0..1, the share of matching requests it picks (default 1)
    count        it picks at most this many requests (default: no limit)
    duration     it is in force this many seconds from when it is set (default: until cleared)

Every request is recorded (arrival and end time, method, path, status or what the fault did,
the userName a create carried): the suite computes from it the highest request rate the
vendor saw, the requests a hung vendor held at once, and creates that reached it twice.
Standard library only, so it starts fast and runs anywhere.
"""

import argparse
import json
import random
import signal
import socket
import sys
import threading
import time
import urllib.request
from http.client import HTTPConnection, HTTPException
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "content-length",
    "host",
}
RULE_FIELDS = {
    "kind",
    "status",
    "retry_after",
    "hang",
    "forward",
    "methods",
    "path",
    "probability",
    "count",
    "duration",
}


class Rule:
    def __init__(self, spec, now):
        unknown = set(spec) - RULE_FIELDS
        if unknown:
            raise ValueError(f"unknown rule fields: {sorted(unknown)}")
        self.spec = dict(spec)
        self.kind = spec.get("kind", "status")
        if self.kind not in ("status", "hang", "drop"):
            raise ValueError(f"unknown rule kind: {self.kind}")
        self.status = int(spec.get("status", 500))
        self.retry_after = spec.get("retry_after")
        self.hang = float(spec.get("hang", 10.0))
        self.forward = bool(spec.get("forward", False))
        self.methods = {m.upper() for m in spec.get("methods") or []}
        self.path = spec.get("path") or ""
        self.probability = float(spec.get("probability", 1.0))
        self.count = spec.get("count")
        self.expires = now + float(spec["duration"]) if spec.get("duration") else None
        self.fired = 0

    def picks(self, method, path, now):
        """Called under the proxy's lock: whether this rule takes the request."""
        if self.methods and method not in self.methods:
            return False
        if self.path and self.path not in path:
            return False
        if self.expires is not None and now >= self.expires:
            return False
        if self.count is not None and self.fired >= int(self.count):
            return False
        if self.probability < 1.0 and random.random() >= self.probability:
            return False
        self.fired += 1
        return True

    def describe(self):
        return {**self.spec, "fired": self.fired, "expires": self.expires}


class FaultProxy(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, upstream, host="127.0.0.1", port=0):
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname, parts.port or 80)
        self.lock = threading.Lock()
        self.rules = []
        self.records = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.stopping = threading.Event()
        super().__init__((host, port), Handler)

    @property
    def url(self):
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def set_rules(self, specs, add=False):
        now = time.time()
        rules = [Rule(spec, now) for spec in specs]
        with self.lock:
            self.rules = (self.rules if add else []) + rules

    def pick(self, method, path):
        now = time.time()
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            for rule in self.rules:
                if rule.picks(method, path, now):
                    return rule
        return None

    def done(self, record):
        with self.lock:
            self.in_flight -= 1
            self.records.append(record)

    def stats(self):
        with self.lock:
            return {
                "requests": len(self.records),
                "in_flight": self.in_flight,
                "max_in_flight": self.max_in_flight,
                "rules": [rule.describe() for rule in self.rules],
            }

    def serve_in_thread(self):
        thread = threading.Thread(target=self.serve_forever, daemon=True)
        thread.start()
        return thread

    def stop(self):
        self.stopping.set()
        self.shutdown()
        self.server_close()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the vendor's real server would
    server: FaultProxy

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.handle_any()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

    # --- the vendor's side ------------------------------------------------------------

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = urlsplit(self.path).path
        if path.startswith("/_"):
            return self.control(path, body)
        record = {"t": time.time(), "method": self.command, "path": path}
        if self.command == "POST" and path.endswith("/Users"):
            record["user"] = user_name(body)
        rule = self.server.pick(self.command, path)
        record["fault"] = rule.kind if rule else ""
        try:
            if rule is None:
                record["status"] = self.forward(body)
            elif rule.kind == "status":
                record["status"] = rule.status
                self.answer_fault(rule)
            elif rule.kind == "hang":
                self.server.stopping.wait(rule.hang)
                if rule.forward:
                    record["status"] = self.forward(body)
                else:
                    record["status"] = 0
                    self.hang_up()
            else:  # drop: the vendor did the work, the answer never arrives
                status, _, _ = self.call_upstream(body)
                record["status"] = status
                self.hang_up()
        except (OSError, HTTPException) as error:  # the client went away
            record["status"] = record.get("status", 0)
            record["error"] = type(error).__name__
            self.close_connection = True
        finally:
            record["end"] = time.time()
            self.server.done(record)

    def call_upstream(self, body):
        """Forwards this request; returns (status, headers, body). One upstream connection
        per client connection, opened again once if the kept one broke."""
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        host, port = self.server.upstream
        headers["Host"] = f"{host}:{port}"
        if body or self.command in ("POST", "PUT", "PATCH"):
            headers["Content-Length"] = str(len(body))
        for attempt in (1, 2):
            connection = getattr(self, "upstream_connection", None)
            if connection is None:
                connection = HTTPConnection(*self.server.upstream, timeout=60)
                self.upstream_connection = connection
            try:
                connection.request(self.command, self.path, body=body or None, headers=headers)
                response = connection.getresponse()
                data = response.read()
                return response.status, response.getheaders(), data
            except (OSError, HTTPException):
                connection.close()
                self.upstream_connection = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def forward(self, body):
        try:
            status, headers, data = self.call_upstream(body)
        except (OSError, HTTPException) as error:
            self.answer(502, {"detail": f"The proxy could not reach the vendor: {error}"})
            return 502
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        return status

    def answer_fault(self, rule):
        extra = {}
        if rule.status == 429 and rule.retry_after is not None:
            extra["Retry-After"] = str(rule.retry_after)
        if rule.status == 401:
            extra["WWW-Authenticate"] = 'Bearer realm="SCIM"'
        detail = {
            401: "Invalid bearer token.",
            429: "Too many requests.",
        }.get(rule.status, "Injected fault.")
        self.answer(
            rule.status,
            {"schemas": [ERROR_SCHEMA], "status": str(rule.status), "detail": detail},
            extra,
            content_type="application/scim+json",
        )

    def hang_up(self):
        """Closes the client's connection without a word."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def answer(self, status, payload, headers=None, content_type="application/json"):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    # --- the suite's side -------------------------------------------------------------

    def control(self, path, body):
        server = self.server
        try:
            payload = json.loads(body) if body else {}
            if path == "/_fault" and self.command == "POST":
                server.set_rules(payload.get("rules", []), add=payload.get("add", False))
                return self.answer(200, server.stats())
            if path == "/_fault" and self.command == "DELETE":
                server.set_rules([])
                return self.answer(200, server.stats())
            if path in ("/_fault", "/_stats") and self.command == "GET":
                return self.answer(200, server.stats())
            if path == "/_stats/reset" and self.command == "POST":
                with server.lock:
                    server.max_in_flight = server.in_flight
                return self.answer(200, server.stats())
            if path == "/_log" and self.command == "GET":
                since = int(parse_qs(urlsplit(self.path).query).get("since", ["0"])[0])
                with server.lock:
                    records = server.records[since:]
                return self.answer(200, {"records": records, "next": since + len(records)})
            if path == "/_health":
                return self.answer(200, {"ok": True})
        except (ValueError, TypeError, KeyError) as error:
            return self.answer(400, {"detail": str(error)})
        return self.answer(404, {"detail": f"no control endpoint {self.command} {path}"})


def user_name(body):
    try:
        return str(json.loads(body).get("userName") or "")
    except (ValueError, AttributeError):
        return ""


# --- driving a proxy from the suite -------------------------------------------------------


class ProxyControl:
    """The suite's handle on a running proxy (in this process or another)."""

    def __init__(self, url):
        self.url = url.rstrip("/")
        self.read = 0
        self.records = []

    def _call(self, method, path, payload=None):
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(
            self.url + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def set(self, *rules, add=False):
        return self._call("POST", "/_fault", {"rules": list(rules), "add": add})

    def clear(self):
        return self._call("DELETE", "/_fault")

    def stats(self):
        return self._call("GET", "/_stats")

    def reset_stats(self):
        return self._call("POST", "/_stats/reset")

    def log(self):
        """Every request recorded so far (fetched incrementally)."""
        answer = self._call("GET", f"/_log?since={self.read}")
        self.records += answer["records"]
        self.read = answer["next"]
        return self.records


def busiest_window(times, window=10.0):
    """(most requests that arrived within any `window` seconds, when that window began)."""
    times = sorted(times)
    best, best_start, first = 0, None, 0
    for last, t in enumerate(times):
        while t - times[first] >= window:
            first += 1
        if last - first + 1 > best:
            best, best_start = last - first + 1, times[first]
    return best, best_start


def most_at_once(records, since=None, until=None, cap=None):
    """The most requests in flight at once among these records (arrival to end; with `cap`,
    a request counts at most `cap` seconds: the client's read timeout, after which its
    thread has given up on it even if the proxy still holds the connection)."""
    points = []
    for record in records:
        start, end = record["t"], record.get("end", record["t"])
        if cap is not None:
            end = min(end, start + cap)
        if (since is not None and end < since) or (until is not None and start > until):
            continue
        points += [(start, 1), (end, -1)]
    current = best = 0
    for _, step in sorted(points, key=lambda p: (p[0], p[1])):
        current += step
        best = max(best, current)
    return best


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True, help="e.g. http://127.0.0.1:8701")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    if urlsplit(args.upstream).hostname not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("The fault proxy only forwards to this machine (127.0.0.1).")
    proxy = FaultProxy(args.upstream, args.host, args.port)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"fault proxy ready at {proxy.url} -> {args.upstream}", flush=True)
    try:
        proxy.serve_forever()
    finally:
        proxy.stopping.set()
        proxy.server_close()


if __name__ == "__main__":
    main()
