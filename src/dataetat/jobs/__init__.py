"""Background jobs: exports now (imports and enrichments later), persisted in the `tache` table.

Embedded mode runs a `Worker` thread inside `dataetat serve`; server mode may also run separate
`dataetat worker` processes on the same PostgreSQL queue.
"""
