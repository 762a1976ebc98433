"""Every operation a person runs, once: its name, its place in the HTTP API, and the function that does it.

The CLI calls an operation by name, on this machine (trilingo.service.local) or through a Trilingo
server (trilingo.client); the server (trilingo.api) routes the same table. So the two transports
cannot drift: one function, one JSON answer (the README's `--json` contract), one exit code.

The functions are named as strings and imported on first use: a cold `review queue` imports the
queue's module and nothing else.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

API_PREFIX = "/api/v1"
NOTES_HEADER = "Trilingo-Notes"  # the notes an operation left for the person, as a JSON list
UI_LANG_HEADER = "Trilingo-UI-Lang"  # the token owner's own interface language (users set --ui-lang)
ACT_AS_HEADER = "Trilingo-Act-As"  # a name the CLI was given with --as: the server refuses and audits it


@dataclass(frozen=True)
class Operation:
    name: str
    method: str  # GET reads; POST, PUT and DELETE change something
    path: str  # under /api/v1; {names} are path parameters
    target: str  # "module:function", called as function(ctx, **params)

    def function(self) -> Callable[..., Any]:
        module, _, name = self.target.partition(":")
        fn: Callable[..., Any] = getattr(importlib.import_module(module), name)
        return fn


S = "trilingo.service."
OPERATIONS = (
    Operation("whoami", "GET", "/whoami", S + "people:whoami"),
    Operation("status", "GET", "/status", S + "overview:status"),
    Operation("runs", "GET", "/runs", S + "overview:runs"),
    Operation("submit", "POST", "/notices", S + "notices:submit"),
    Operation("retract", "POST", "/documents/{document}/retract", S + "notices:retract"),
    Operation("review.queue", "GET", "/review/queue", S + "overview:queue"),
    Operation("review.next", "POST", "/review/next", S + "review:claim_next"),
    Operation("review.show", "GET", "/documents/{document}/{lang}", S + "review:show"),
    Operation("review.history", "GET", "/documents/{document}/{lang}/history", S + "review:history"),
    Operation("review.edit", "POST", "/documents/{document}/{lang}/segments/{segment}", S + "review:edit"),
    Operation(
        "review.dismiss",
        "POST",
        "/documents/{document}/{lang}/segments/{segment}/dismiss",
        S + "review:dismiss",
    ),
    Operation("review.approve", "POST", "/documents/{document}/{lang}/approve", S + "review:approve"),
    Operation("review.reject", "POST", "/documents/{document}/{lang}/reject", S + "review:reject"),
    Operation("review.comment", "POST", "/documents/{document}/{lang}/comments", S + "review:comment"),
    Operation("review.release", "POST", "/documents/{document}/{lang}/release", S + "review:release"),
    Operation("catalogs.export", "GET", "/catalogs/{lang}", S + "terms:catalogs_export"),
    Operation("catalogs.import", "POST", "/catalogs/import", S + "terms:catalogs_import"),
    Operation("glossary.lookup", "GET", "/glossary/lookup", S + "terms:glossary_lookup"),
    Operation("glossary.export", "GET", "/glossary/export", S + "terms:glossary_export"),
    Operation("glossary.check", "GET", "/glossary/check", S + "terms:glossary_check"),
    Operation("glossary.impact", "GET", "/glossary/impact", S + "terms:glossary_impact"),
    Operation("glossary.import", "POST", "/glossary/import", S + "terms:glossary_import"),
    Operation("glossary.add", "POST", "/glossary/concepts/{concept}", S + "terms:glossary_add"),
    Operation("tm.import", "POST", "/tm/import", S + "terms:tm_import"),
    Operation("tm.export", "GET", "/tm/export", S + "terms:tm_export"),
    Operation("users.list", "GET", "/users", S + "people:users_list"),
    Operation("users.add", "PUT", "/users/{name}", S + "people:users_add"),
    Operation("users.set", "POST", "/users/settings", S + "people:users_set"),
    Operation("users.disable", "POST", "/users/{name}/disable", S + "people:users_disable"),
    Operation("users.token", "POST", "/users/{name}/tokens", S + "people:token_add"),
    Operation("users.tokens", "GET", "/tokens", S + "people:tokens_list"),
    Operation("users.revoke", "DELETE", "/tokens/{prefix}", S + "people:token_revoke"),
    Operation("settings.show", "GET", "/settings", S + "people:settings_show"),
    Operation("settings.set", "PUT", "/settings/{key}", S + "people:settings_set"),
    Operation("audit.verify", "POST", "/audit/verify", S + "people:audit_verify"),
)
BY_NAME = {op.name: op for op in OPERATIONS}


def path_names(op: Operation) -> list[str]:
    """The path parameters of `op`, in order."""
    import re

    return re.findall(r"{(\w+)}", op.path)
