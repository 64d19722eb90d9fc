"""The agency's rules: its scorecard, funnel, promises, calibration and validity checks."""
