"""States and roles as a person reads them. The codes stay in JSON, in the audit log and in what a person
types back (`--state needs_review`); the plain-text output shows each in the person's language."""

from __future__ import annotations

from trilingo.i18n import N_, _

# Each code is its own msgid, so the English output is the code, as before.
LABELS = frozenset(
    {
        # a segment's translation
        N_("untranslated"),
        N_("mt_failed"),
        N_("needs_review"),
        N_("edited"),
        N_("approved"),
        # a document in one language
        N_("submitted"),
        N_("pretranslated"),
        N_("in_review"),
        N_("rejected"),
        N_("published"),
        N_("retracted"),
        # a flow run (Prefect's state names)
        N_("Scheduled"),
        N_("Pending"),
        N_("Running"),
        N_("Completed"),
        N_("Failed"),
        N_("Crashed"),
        N_("Cancelled"),
        N_("Cancelling"),
        N_("Paused"),
        N_("Late"),
        N_("Partial"),
        # where a translation came from
        N_("tm"),
        N_("glossary"),
        N_("human"),
        N_("memory"),
        N_("starter"),
        # a person
        N_("editor"),
        N_("reviewer"),
        N_("operator"),
        N_("admin"),
    }
)


def label(code: str) -> str:
    """A state's or a role's name in the person's language; any other value as it is."""
    return _(code) if code in LABELS else code


def run_state(code: str) -> str:
    """A flow run's state as `runs --state` takes it (failed) or Prefect names it (Failed), in words."""
    return label(code if code in LABELS else code.capitalize())
