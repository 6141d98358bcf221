"""Telegram Bot API limits, named once (source: ../shared/platform-limits.md, core.telegram.org/bots)."""

from __future__ import annotations

from bot.outbound.transport import RateLimits

PLATFORM = "telegram"

# "About 1 message per second per chat" (Bot API FAQ, "My bot is hitting limits").
PER_CHAT_INTERVAL_S = 1.0
# "About 30 messages per second overall" for bulk notifications (same FAQ).
GLOBAL_PER_SECOND = 30.0
# "20 messages per minute per group chat" (same FAQ).
GROUP_PER_MINUTE = 20.0
TELEGRAM_LIMITS = RateLimits(
    per_chat_interval_s=PER_CHAT_INTERVAL_S,
    global_per_second=GLOBAL_PER_SECOND,
    group_per_minute=GROUP_PER_MINUTE,
)

# InlineKeyboardButton.callback_data: "1-64 bytes" (Bot API, InlineKeyboardButton).
CALLBACK_DATA_MAX_BYTES = 64
# sendMessage text: "1-4096 characters after entities parsing" (Bot API, sendMessage).
MESSAGE_TEXT_MAX = 4096
# sendPhoto/sendDocument caption: "0-1024 characters" (Bot API).
CAPTION_MAX = 1024
# getFile: "bots can download files of up to 20MB in size" (Bot API, getFile).
DOWNLOAD_MAX_BYTES = 20 * 1024 * 1024
# Webhook: Telegram gives up on a request after about 60 s and re-sends it (platform-limits.md).
WEBHOOK_RESPONSE_DEADLINE_S = 60
# Long-poll timeout we ask getUpdates for; well under client read timeouts.
POLL_TIMEOUT_S = 25
