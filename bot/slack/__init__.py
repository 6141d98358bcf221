"""The Slack app: coaches work from Slack (client threads, /coach, alerts, App Home, digests) and
clients may talk to the bot in a DM with the app."""
