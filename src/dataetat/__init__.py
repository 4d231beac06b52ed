"""Data-État: every euro of public funding that lands on a territory."""

__version__ = "0.1.0"
