"""For the test suite's own child processes only (conftest puts this folder on PYTHONPATH): they run as
the account named by TRILINGO_TEST_ACCOUNT, as the tests in the parent process do (conftest patches
the same function there). Trilingo itself never reads that variable; a real process proves its account
by its user id."""

import os

_account = os.environ.get("TRILINGO_TEST_ACCOUNT", "")
if _account:
    import trilingo.identity

    def _test_account(name: str = _account) -> str:
        return name

    trilingo.identity.os_account = _test_account
