"""Names of the check's stages and how the wizard groups them; tiny, so the GUI can use it
without importing the SMTP machinery at start-up."""

#: How the wizard groups stages into the four lines a person sees.
STAGE_GROUPS = {
    "connect": ("resolve", "connect", "greeting", "ehlo", "ews_service"),
    "secure": ("tls", "starttls", "ehlo_tls"),
    "sign_in": ("token", "auth", "ews_login", "ews_mailbox"),
    "test_message": ("mail_from", "rcpt_to", "rset", "data", "ews_send"),
}


def group_of(stage: str) -> str:
    for group, stages in STAGE_GROUPS.items():
        if stage in stages:
            return group
    return stage
