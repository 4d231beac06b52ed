"""Files in → validated Arrow batches + a report of problems. No database here."""
