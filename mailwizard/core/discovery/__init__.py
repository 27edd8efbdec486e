"""Finding a sender's settings and checking its domain: DNS, autoconfig, the ISPDB, probing.

Everything here is on the discovery path only: importing the core or starting the wizard
loads none of it (dnspython is imported inside `dns`)."""
