"""What groups asks of the apps above it, which it cannot import (provisioning fills these
in when it starts)."""


def after_mode_change():
    """The URL of the plan for the accounts after Group Auto-Provisioning grants less, or
    None."""
    return None
