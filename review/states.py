"""Which document-language states allow which reviewer action."""

from __future__ import annotations

from trilingo.errors import StateError
from trilingo.i18n import N_
from trilingo.store.values import DocState

# action → states it may start from
ALLOWED: dict[str, frozenset[str]] = {
    "edit": frozenset(
        {
            DocState.SUBMITTED,
            DocState.PRETRANSLATED,
            DocState.IN_REVIEW,
            DocState.REJECTED,
            DocState.APPROVED,
            DocState.PUBLISHED,
            DocState.RETRACTED,
        }
    ),
    # From retracted too: a new approval (a new release, even of the same text) brings it back.
    "approve": frozenset({DocState.PRETRANSLATED, DocState.IN_REVIEW, DocState.RETRACTED}),
    # Not from approved or published: that release was a person's decision and may already be out.
    # Changing it means editing (back to in_review, the release stays live) and approving again;
    # taking it down is the retract action of the channels work.
    "reject": frozenset({DocState.PRETRANSLATED, DocState.IN_REVIEW}),
}
# action → the state it leaves the document-language in
RESULT: dict[str, str] = {
    "edit": DocState.IN_REVIEW,
    "approve": DocState.APPROVED,
    "reject": DocState.REJECTED,
}
# Waiting for a reviewer (shown by `review queue`).
QUEUED = (DocState.PRETRANSLATED, DocState.IN_REVIEW, DocState.REJECTED)


def require(action: str, state: str, what: str) -> str:
    """The state after `action`, or StateError if it is not allowed from `state`."""
    if state not in ALLOWED[action]:
        if action == "approve" and state == DocState.REJECTED:
            refused = N_("cannot approve {what}: it is {state} (edit a segment first)")
        else:
            refused = N_("cannot {action} {what}: it is {state}")
        raise StateError(refused.format(action=action, what=what, state=state))
    return RESULT[action]


# Why a translation goes back (`review reject --code`): the codes Pontoon and Weblate reviewers use,
# plus "other". The one list: the command's choices and the core's check both read it.
REJECT_CODES = ("terminology", "meaning", "numbers", "script", "grammar", "style", "other")
