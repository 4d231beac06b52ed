"""Referentials: readers of the official source formats (Chorus calculette, COG, DGCL EPCI…) and the
compact referential files bundled with the package (`data/*.csv.gz`, see `bundled.py`)."""
