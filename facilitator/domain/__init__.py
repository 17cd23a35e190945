"""Plain-Python domain: no Flask, no Socket.IO, no Redis in here."""
