"""Will mail from this From address, through this sending service, reach inboxes? SPF, DKIM
and DMARC of the From domain judged against the service's needs and the mailbox providers'
sender rules (`check.check_deliverability`).

Importing this package loads no DNS library: dnspython comes in through
core/discovery/dns.py when a check runs."""
