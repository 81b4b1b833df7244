"""A real django-scim2 (0.23) SCIM 2.0 service provider, run as its own Django project in a
subprocess by the `django_scim2_server_process` fixture (tests/conftest.py).

    python -m tests.scim_servers.django_scim2_app --token TOKEN --db /tmp/x.sqlite3 --port 0

django-scim2 is served as shipped (default adapters, filter parser and service provider
config); only what it needs to run is configured: a user and a group model carrying its SCIM
columns (as in django-scim2's own test models), SCIM_SERVICE_PROVIDER, and a bearer token.
"""
