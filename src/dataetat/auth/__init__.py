"""Accounts and sessions of the embedded mode: Argon2 passwords (passwords.py), signed session
cookies with an inactivity timeout (sessions.py), login attempts limited (limiter.py), the login
itself (login.py). The web layer imports this package; it imports only store/ and settings."""
