"""PostgreSQL roles for a Trilingo server: the schema belongs to an owner role that migrations use, and
the running server connects as an app role that can read and write the data but cannot change the
schema, drop or disable a trigger, or UPDATE, DELETE or TRUNCATE the audit log.

People never hold either password: they hold personal tokens for the server (docs/deploy.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection

from trilingo.errors import ConfigError
from trilingo.i18n import N_

OWNER = "trilingo_owner"
APP = "trilingo_app"
APPEND_ONLY = "auditevent"
READ_ONLY = ("alembic_version",)


def _name(role: str) -> str:
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
        raise ConfigError(
            N_("a role name is lower-case letters, digits and _ (at most 63), got {role!r}").format(role=role)
        )
    return f'"{role}"'


@dataclass(frozen=True)
class Plan:
    schema: str
    owner: str
    app: str
    statements: list[str]


def plan(conn: Connection, owner: str = OWNER, app: str = APP) -> Plan:
    """The statements that give the current schema to `owner` and the running server's rights to `app`."""
    if conn.dialect.name != "postgresql":
        raise ConfigError(
            N_("`trilingo db roles` is for PostgreSQL; a SQLite workspace is one file, one person")
        )
    schema = conn.execute(text("SELECT current_schema()")).scalar_one()
    tables = list(
        conn.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = :s ORDER BY tablename"), {"s": schema}
        ).scalars()
    )
    if APPEND_ONLY not in tables:
        raise ConfigError(
            N_("the schema {schema} has no Trilingo tables yet: run `trilingo init` first").format(
                schema=schema
            )
        )
    o, a, s = _name(owner), _name(app), f'"{schema}"'
    out = [
        f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{owner}') "
        f"THEN CREATE ROLE {o} LOGIN; END IF; END $$",
        f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{app}') "
        f"THEN CREATE ROLE {a} LOGIN; END IF; END $$",
        f"ALTER SCHEMA {s} OWNER TO {o}",
        f"REVOKE CREATE ON SCHEMA {s} FROM PUBLIC",
    ]
    out += [f'ALTER TABLE {s}."{t}" OWNER TO {o}' for t in tables]
    out += [
        f"ALTER FUNCTION {s}.trilingo_audit_append_only() OWNER TO {o}",
        f"GRANT USAGE ON SCHEMA {s} TO {a}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM {a}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {s} TO {a}",
        f'REVOKE UPDATE, DELETE, TRUNCATE ON {s}."{APPEND_ONLY}" FROM {a}',
        *(f'REVOKE INSERT, UPDATE, DELETE ON {s}."{t}" FROM {a}' for t in READ_ONLY if t in tables),
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {s} TO {a}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA {s} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {a}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA {s} GRANT USAGE, SELECT ON SEQUENCES TO {a}",
    ]
    return Plan(schema, owner, app, out)


def apply(conn: Connection, roles: Plan) -> None:
    for statement in roles.statements:
        conn.execute(text(statement))
