"""The bare ASGI baseline (no framework): see app.py."""
