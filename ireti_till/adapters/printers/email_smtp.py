"""Email receipts through the shop's SMTP server (``MailPort``). Called by the print queue's
worker only, so a slow or absent server never holds up the cashier; a failure leaves the
message queued (IT-627) for the next round."""

from __future__ import annotations

from dataclasses import dataclass

from ireti_till.domain.print_doc import PrinterError


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int = 587
    sender: str = ""
    starttls: bool = True
    username: str = ""
    timeout: float = 10.0


class SmtpMailer:
    def __init__(self, config: SmtpConfig, password: str | None = None) -> None:
        self.config = config
        self._password = password  # from the OS keyring, never the config file

    def send(self, to: str, subject: str, body: str) -> None:
        import smtplib  # here: the config reader imports this module before the first screen
        import ssl
        from email.message import EmailMessage

        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = self.config.sender, to, subject
        msg.set_content(body)
        try:
            with smtplib.SMTP(self.config.host, self.config.port,
                              timeout=self.config.timeout) as smtp:
                if self.config.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.config.username and self._password:
                    smtp.login(self.config.username, self._password)
                smtp.send_message(msg)
        except (OSError, smtplib.SMTPException) as exc:
            raise PrinterError(f"The mail server {self.config.host}:{self.config.port} could "
                               f"not take the receipt ({type(exc).__name__}); it stays queued "
                               "and is sent when the network allows.", code="IT-627") from exc
