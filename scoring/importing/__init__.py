"""Reading an agency's own history from files: format, parsing and validation."""
