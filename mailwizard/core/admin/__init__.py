"""For IT and installers: the site file, answer files and their shared key checks, the
health check and its record, the report."""
