"""The SMS channel: Twilio's inbound webhook into the inbox, stored texts through the engine."""
