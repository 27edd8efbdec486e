"""Where settings and secrets live: the settings file (`config`), the keyring (`secrets`),
saving both together (`save`), and the strict reader every file goes through (`safefile`)."""
