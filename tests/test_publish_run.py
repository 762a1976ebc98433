"""What a publish run does between its channels (trilingo.channels.run), whichever process runs it."""

from __future__ import annotations

import pytest

from trilingo.channels.run import RETRY_DELAYS, PublishFailed, conclude, may_pass, with_retries
from trilingo.errors import InputError, UnavailableError


def test_a_step_is_tried_again_only_while_its_failure_may_pass() -> None:
    waits: list[float] = []
    tries: list[int] = []

    def flaky() -> dict[str, object]:
        tries.append(1)
        if len(tries) < 3:
            raise OSError("database is locked")
        return {"channel": "web"}

    assert with_retries(flaky, sleep=waits.append) == {"channel": "web"}
    assert waits == list(RETRY_DELAYS[:2])

    def bad_input() -> dict[str, object]:
        raise InputError("public/kiosk is a file")

    waits.clear()
    with pytest.raises(InputError):
        with_retries(bad_input, sleep=waits.append)
    assert waits == []  # Trilingo's own error says what to fix: no retry

    def down() -> dict[str, object]:
        raise UnavailableError("the database does not answer")

    with pytest.raises(UnavailableError):
        with_retries(down, sleep=waits.append)
    assert waits == list(RETRY_DELAYS)
    assert may_pass(OSError()) and may_pass(UnavailableError("x")) and not may_pass(InputError("x"))


def test_the_verdict_names_the_failed_channel_and_the_ones_published() -> None:
    web = {"channel": "web"}
    with pytest.raises(PublishFailed, match="^screens: disk full$"):
        conclude("/nowhere", "op", ["web", "screens"], [web], [("screens", OSError("disk full"))])
    with pytest.raises(InputError, match="bad slug"):
        conclude("/nowhere", "op", ["web"], [], [("web", InputError("bad slug"))])
    with pytest.raises(PublishFailed, match="the task failed"):
        conclude("/nowhere", "op", ["kiosk"], [], [("kiosk", None)])
