"""Writes .env for the local demo on the first `make run`; never overwrites an existing one."""

import base64
import secrets
from pathlib import Path

path = Path(__file__).resolve().parent.parent / ".env"
if not path.exists():
    fernet_key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    path.write_text(
        "# Written by `make run` for the local demo. See .env.example for every setting.\n"
        "DEBUG=true\n"
        f"SECRET_KEY={secrets.token_urlsafe(50)}\n"
        f"CREDENTIAL_KEYS={fernet_key}\n"
    )
    path.chmod(0o600)
    print(f"Wrote {path.name} with fresh keys for the local demo.")
