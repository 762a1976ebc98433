"""The review queue: states, actions (edit, approve, reject), the audit trail and reviewer checks."""
