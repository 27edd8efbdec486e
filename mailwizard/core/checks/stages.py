"""Names of the check's stages and how the wizard groups them; tiny, so the GUI can use it
without importing the SMTP machinery at start-up."""

from mailwizard.core.i18n import N_

#: How the wizard groups stages into the four lines a person sees.
STAGE_GROUPS = {
    "connect": ("resolve", "connect", "greeting", "ehlo", "ews_service"),
    "secure": ("tls", "starttls", "ehlo_tls"),
    "sign_in": ("token", "auth", "ews_login", "ews_mailbox"),
    "test_message": ("mail_from", "rcpt_to", "rset", "data", "ews_send"),
}


#: The four lines in words (the wizard's test page and the command line's failure report).
GROUP_WORDS = {"connect": N_("Connect to the server"), "secure": N_("Secure connection"),
               "sign_in": N_("Sign in"), "test_message": N_("Send the test message")}


def group_of(stage: str) -> str:
    for group, stages in STAGE_GROUPS.items():
        if stage in stages:
            return group
    return stage
