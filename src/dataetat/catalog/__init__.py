"""The catalogue of what the instance holds (DCAT-AP), the open aggregates' files and the Table
Schemas of what it publishes. Builds on query/ (catalogue.py, ouvert.py); read by web/ and cli/."""
