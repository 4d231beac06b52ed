"""Web: JSON API under /api/v1 (the full API and the DSFR pages are their own issues)."""
