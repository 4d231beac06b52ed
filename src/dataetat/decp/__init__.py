"""DECP (données essentielles de la commande publique): the official schemas (schemas/), the
validator (validation/) and a generator of valid files for tests and benches (generateur.py)."""
