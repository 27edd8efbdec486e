"""Connect (OAuth): the sign-in flow with its loopback listener (`flow`, `listener`) and the
connected account's tokens (`account`)."""
