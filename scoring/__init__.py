"""Scoring library of the MLOps hiring dashboard: statistics, scorecards and the data store."""
