"""Vocabulary of the domain: enums, code normalisers, amounts, dates. Pure functions, no I/O."""
