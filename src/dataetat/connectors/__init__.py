"""Talking to outside services (Recherche d'entreprises, API Entreprise, Data Subvention…).

A low layer: imports only settings, never store/query/web. See docs/connecteurs.md.

- client.py: `Service` (name, URL, rate, token), `Reglages` (timeouts, retries, breaker),
  `Client.get / get_json(path, params, modele)`; errors.py: the French error hierarchy;
- limiter.py, breaker.py: the per-service rate limiter (shared through the database on PostgreSQL)
  and circuit breaker (process-wide);
- services.py: each service built from the settings (tokens from a setting or a secret file);
- one module per service's typed answers and calls: entreprises.py (Recherche d'entreprises,
  API Entreprise).
"""
