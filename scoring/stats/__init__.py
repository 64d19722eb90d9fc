"""Generic statistics, each citing the paper or book it follows; nothing here knows the agency."""
