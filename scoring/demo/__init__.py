"""A realistic demo agency, generated from stated targets."""
