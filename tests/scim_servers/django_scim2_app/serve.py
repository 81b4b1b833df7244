"""python -m tests.scim_servers.django_scim2_app --token TOKEN [--db FILE] [--port 0]

Binds the port first (0: any free one), so that the URLs django-scim2 writes into
meta.location carry the real port; then migrates the SQLite database and serves."""

import argparse
import os
import sys
import tempfile
from wsgiref.simple_server import make_server

from provisioning.scim_server import QuietHandler, ThreadingWSGIServer

SETTINGS = "tests.scim_servers.django_scim2_app.settings"


def not_ready(environ, start_response):
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"starting"]


def main(argv=None):
    parser = argparse.ArgumentParser(description="django-scim2 SCIM 2.0 server for tests.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default=os.environ.get("DJANGO_SCIM2_TOKEN"))
    parser.add_argument("--db", default=os.environ.get("DJANGO_SCIM2_DB"))
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("a bearer token is needed: --token or DJANGO_SCIM2_TOKEN")
    db = args.db or os.path.join(tempfile.mkdtemp(prefix="django-scim2-"), "db.sqlite3")

    server = make_server(
        args.host,
        args.port,
        not_ready,
        server_class=ThreadingWSGIServer,
        handler_class=QuietHandler,
    )
    port = server.server_port
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    os.environ["DJANGO_SCIM2_TOKEN"] = args.token
    os.environ["DJANGO_SCIM2_DB"] = db
    os.environ["DJANGO_SCIM2_NETLOC"] = f"{args.host}:{port}"

    import django
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    server.set_app(get_wsgi_application())
    print(f"SCIM server ready at http://{args.host}:{port}/scim/v2", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
