"""API building blocks shared by every app's api.py: errors, auth, pagination, CRUD helpers."""
