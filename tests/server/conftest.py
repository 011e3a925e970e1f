import pytest


@pytest.fixture(autouse=True)
def _fresh_status_page_throttle():
    """The /r/ throttle counts per address in the process; in-process tests all come from 127.0.0.1, so each
    test starts with a full allowance (the throttle's own tests use the real server or their own address)."""
    from server.api.receipt import BARE_LOOKUPS

    BARE_LOOKUPS.reset()
    yield
