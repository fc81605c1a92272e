"""Sending the notices through an SMTP server (the office's relay), telling "not sent" from "maybe sent"."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parseaddr

from handlers.ports import MailError

SECURITY = ("starttls", "ssl", "none")


@dataclass(frozen=True)
class SmtpConfig:
    """Where the relay is and how to sign in to it (from Settings: SMTP_*)."""

    host: str
    port: int
    security: str = "starttls"  # starttls (port 587), ssl (implicit TLS, port 465) or none (a local relay)
    username: str | None = None
    password: str | None = None
    timeout: float = 20.0


class SmtpMailer:
    """The Mailer of production: one connection per message, TLS verified against the system's CAs."""

    def __init__(self, config: SmtpConfig, *, tls_context: ssl.SSLContext | None = None) -> None:
        self.config = config
        self.tls_context = tls_context or ssl.create_default_context()

    def _connect(self) -> smtplib.SMTP:
        """An open, greeted (and, when configured, encrypted and signed-in) connection."""
        c = self.config
        if c.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(c.host, c.port, timeout=c.timeout, context=self.tls_context)
        else:
            smtp = smtplib.SMTP(c.host, c.port, timeout=c.timeout)
        smtp.ehlo()
        if c.security == "starttls":
            smtp.starttls(context=self.tls_context)
            smtp.ehlo()
        if c.username:
            smtp.login(c.username, c.password or "")
        return smtp

    def send(self, message: EmailMessage) -> None:
        """Hand the message over; MailError says whether a retry is safe (nothing was taken) or not."""
        sender = parseaddr(str(message["From"]))[1]  # the envelope takes bare addresses
        recipients = [parseaddr(str(message["To"]))[1]]
        body = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
        smtp: smtplib.SMTP | None = None
        data_started = False
        try:
            smtp = self._connect()
            code, _reply = smtp.mail(sender)
            if code != 250:
                raise MailError(f"MAIL FROM refused: {code}", code=code, retryable=code < 500)
            code, _reply = smtp.rcpt(recipients[0])
            if code not in (250, 251):
                raise MailError(f"recipient refused: {code}", code=code, retryable=code < 500)
            data_started = True
            code, _reply = smtp.data(body)
        except MailError:
            raise
        except smtplib.SMTPDataError as exc:  # the server answered the message with a refusal: it was not taken
            raise MailError(f"message refused: {exc.smtp_code}", code=exc.smtp_code,
                            retryable=exc.smtp_code < 500) from None
        except smtplib.SMTPAuthenticationError as exc:
            raise MailError(f"sign-in refused: {exc.smtp_code}", code=exc.smtp_code, retryable=True) from None
        except smtplib.SMTPResponseException as exc:
            raise MailError(f"server said {exc.smtp_code}", code=exc.smtp_code,
                            retryable=exc.smtp_code < 500 and not data_started,
                            maybe_sent=data_started) from None
        except (smtplib.SMTPException, OSError) as exc:
            # before DATA nothing was taken: try again later; after it the server may have the message
            raise MailError(f"connection failed: {type(exc).__name__}", retryable=not data_started,
                            maybe_sent=data_started) from None
        finally:
            if smtp is not None:
                try:
                    smtp.quit()
                except (smtplib.SMTPException, OSError):
                    smtp.close()
        if code != 250:
            raise MailError(f"message refused: {code}", code=code, retryable=code < 500)
