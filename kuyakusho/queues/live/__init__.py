"""Live updates: server-sent events fed by an in-process broadcaster (and PostgreSQL LISTEN/NOTIFY)."""
