"""The application database: SQLModel tables, the engine, sessions and the audit log."""
