"""HTML pages (Jinja2 + DSFR + htmx): one router per page."""
