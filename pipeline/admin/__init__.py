"""Looking after a home: the health check (doctor)."""
