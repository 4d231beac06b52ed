"""DECP (données essentielles de la commande publique): the official schemas (schemas/), the
validator (validation/), a generator of valid files for tests and benches (generateur.py), and the
import's reading side:

- `lecture`: files in (regulatory JSON or XML v2, consolidated tabular CSV or Parquet) → one long
  Polars frame, one row per (marché, titulaire, state: 0 = as notified, then each modification);
- `nettoyage`: the cleaning rules peers apply (decp-processing), each counted in the report;
- `controle`: the checks that refuse a marché (an invalid record refuses the file, or, with
  `--rejets`, is left out and reported), next to the validator's;
- `modele`: the long frame → the rows of `marche`, `marche_titulaire`, `marche_modification`.

No database here: store/marches_import.py writes, query/marches.py searches.
"""
