"""Running the platform in production: health and readiness, metrics, request ids and JSON logs, the answer
when the database cannot serve (503, never 500), backups and the restore drill, the schedule of periodic work."""
