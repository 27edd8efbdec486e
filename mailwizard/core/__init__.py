"""The Qt-free core: providers, profile model, SMTP check, diagnosis, secrets, config."""
