"""mailwizard: set up, really test and safely save an ERP's outgoing email settings."""

__version__ = "0.1.0"

#: One reverse-DNS id for the window, the .desktop file, the metainfo and the icon.
APP_ID = "org.mailwizard.MailWizard"
