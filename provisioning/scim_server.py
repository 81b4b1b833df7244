"""A real SCIM 2.0 server (scim2-server) that requires a bearer token: the local demo app of
`make run`, the server the tests provision into, and the benchmarks' target."""

import json
import threading
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from scim2_server.applications.wsgi import WSGIApplication
from scim2_server.memory import InMemoryStorage
from scim2_server.service import ScimService
from scim2_server.utils import load_default_provider

ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"


def bearer_token_required(app, token):
    expected = f"Bearer {token}"

    def guarded(environ, start_response):
        if environ.get("HTTP_AUTHORIZATION") != expected:
            body = json.dumps(
                {"schemas": [ERROR_SCHEMA], "status": "401", "detail": "Invalid bearer token."}
            ).encode()
            start_response(
                "401 Unauthorized",
                [
                    ("Content-Type", "application/scim+json"),
                    ("WWW-Authenticate", 'Bearer realm="SCIM"'),
                    ("Content-Length", str(len(body))),
                ],
            )
            return [body]
        return app(environ, start_response)

    return guarded


def scim_application(storage=None):
    provider = load_default_provider()
    return WSGIApplication(storage or InMemoryStorage(), provider, ScimService(provider))


class FileStorage(InMemoryStorage):
    """InMemoryStorage that survives restarts: every write saves the resources as JSON
    (the local demo app keeps its accounts across `make run`)."""

    def __init__(self, path):
        super().__init__()
        self.path = Path(path)
        if self.path.exists():
            provider = load_default_provider()
            self.resources = [
                provider.model_for(resource_type).model_validate(data)
                for resource_type, data in json.loads(self.path.read_text())
            ]

    def save(self):
        dumped = [(r.meta.resource_type, r.model_dump(mode="json")) for r in self.resources]
        self.path.write_text(json.dumps(dumped))

    def create(self, *args, **kwargs):
        with self.lock:
            resource = super().create(*args, **kwargs)
            self.save()
            return resource

    def update(self, *args, **kwargs):
        with self.lock:
            resource = super().update(*args, **kwargs)
            self.save()
            return resource

    def delete(self, *args, **kwargs):
        with self.lock:
            super().delete(*args, **kwargs)
            self.save()


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 128


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args):
        pass


def serve_in_thread(app, host="127.0.0.1", port=0):
    """Starts a threaded server; returns (server, base URL of the SCIM endpoints)."""
    server = make_server(
        host, port, app, server_class=ThreadingWSGIServer, handler_class=QuietHandler
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://{host}:{server.server_port}/v2"


def with_latency(app, seconds):
    """Every request waits first, as a distant vendor's would (the latency benchmark)."""
    import time

    def slow(environ, start_response):
        time.sleep(seconds)
        return app(environ, start_response)

    return slow


def main(argv=None):
    """python -m provisioning.scim_server --port 8001 --token TOKEN [--latency-ms 50]"""
    import argparse

    parser = argparse.ArgumentParser(description="A SCIM 2.0 server that needs a bearer token.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--token", required=True)
    parser.add_argument("--latency-ms", type=float, default=0)
    parser.add_argument("--data", help="keep the accounts in this JSON file across restarts")
    args = parser.parse_args(argv)
    storage = FileStorage(args.data) if args.data else InMemoryStorage()
    app = bearer_token_required(scim_application(storage), args.token)
    if args.latency_ms:
        app = with_latency(app, args.latency_ms / 1000)
    server = make_server(
        args.host, args.port, app, server_class=ThreadingWSGIServer, handler_class=QuietHandler
    )
    print(f"SCIM server ready at http://{args.host}:{server.server_port}/v2", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
