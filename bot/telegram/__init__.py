"""The Telegram channel: two drivers (aiogram, python-telegram-bot), polling or webhook, files, deep links."""
