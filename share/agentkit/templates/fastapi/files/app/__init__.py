"""The HTTP service: a FastAPI application over SQLite or PostgreSQL."""
