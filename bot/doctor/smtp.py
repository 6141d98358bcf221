"""Email: connect to the SMTP server, EHLO, then STARTTLS and login as the service would send."""

from __future__ import annotations

import ssl

import aiosmtplib

from bot.config import Settings
from bot.doctor.report import CheckResult, failed, ok, reason, skipped, timed

NAME = "smtp"
NAMES = (NAME,)


async def _session(settings: Settings, host: str, time_limit: float) -> CheckResult:
    where = f"{host}:{settings.smtp_port}"
    smtp = aiosmtplib.SMTP(hostname=host, port=settings.smtp_port, timeout=time_limit, start_tls=False)
    steps = ["EHLO"]
    try:
        await smtp.connect()
        await smtp.ehlo()
        if settings.smtp_starttls:
            if not smtp.supports_extension("starttls"):
                return failed(
                    NAME,
                    f"{where} offers no STARTTLS: use its submission port (587) or COACH_SMTP_STARTTLS=false",
                )
            await smtp.starttls()
            steps.append("STARTTLS")
        if settings.smtp_user and settings.smtp_password:
            await smtp.login(settings.smtp_user, settings.smtp_password)
            steps.append("login")
        await smtp.quit()
    except aiosmtplib.SMTPAuthenticationError as exc:
        return failed(NAME, f"{where} refused COACH_SMTP_USER/COACH_SMTP_PASSWORD ({exc.code})")
    except (aiosmtplib.SMTPConnectError, ConnectionError) as exc:
        return failed(NAME, f"cannot connect to {where}: {reason(exc)}")
    except ssl.SSLError as exc:
        return failed(NAME, f"STARTTLS with {where} failed: {reason(exc)}")
    except aiosmtplib.SMTPException as exc:
        return failed(NAME, f"{where}: {reason(exc)}")
    finally:
        smtp.close()
    if not settings.smtp_from:
        return failed(NAME, f"{where} answers, but COACH_SMTP_FROM is not set: email stays off")
    return ok(NAME, f"{where}: {' + '.join(steps)} ok")


async def check(settings: Settings, time_limit: float) -> list[CheckResult]:
    host = settings.smtp_host
    if not host:
        if settings.smtp_from:
            return [failed(NAME, "COACH_SMTP_FROM is set but COACH_SMTP_HOST is not: email stays off")]
        return [skipped(NAME, "not configured (COACH_SMTP_HOST not set)")]
    if bool(settings.smtp_user) != bool(settings.smtp_password):
        return [failed(NAME, "set both COACH_SMTP_USER and COACH_SMTP_PASSWORD, or neither")]
    where = f"{host}:{settings.smtp_port}"
    return [await timed(NAME, time_limit, lambda: _session(settings, host, time_limit), target=where)]
