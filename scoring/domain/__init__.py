"""The agency's vocabulary, declared once: stages, dimensions, the rating scale, seniorities, tools,
promises, thresholds and settings.

Every other module, SQL string and page takes these names and numbers from here, and a test compares
them with ``schema.sql``'s reference rows and constraints. This package imports nothing else from the
project, so any layer may depend on it.
"""
