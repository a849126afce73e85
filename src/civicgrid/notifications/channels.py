"""Outbound channels, one sender class per delivery method.

Every sender takes explicit configuration (no environment reading here) and raises
:class:`DeliveryFailed` with a reason the delivery record keeps. Senders are looked up by
name in :data:`SENDERS`; a channel is active only when its URL or host is configured.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from typing import Any, ClassVar

import httpx

from civicgrid.settings import Settings


class DeliveryFailed(RuntimeError):
    """A send that did not go through; the message is stored on the delivery."""


class Sender:
    """Base of the senders: ``configured`` says whether the channel is on."""

    name: ClassVar[str]

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def configured(self) -> bool:
        raise NotImplementedError(f"sender {self.name} must say whether it is configured")

    def send(self, target: str | None, payload: dict[str, Any]) -> None:
        raise NotImplementedError(f"sender {self.name} must implement send")

    def _post(self, url: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> dict:
        try:
            response = httpx.post(url, json=body, headers=headers or {}, timeout=10)
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"{self.name}: {exc.__class__.__name__} reaching {url}") from None
        if response.status_code >= 300:
            raise DeliveryFailed(f"{self.name}: HTTP {response.status_code}")
        try:
            return response.json()
        except ValueError:
            return {}


class SmsGateway(Sender):
    """An HTTP SMS gateway: POST {"phone", "text"} with the key in X-Api-Key."""

    name = "sms"

    def configured(self) -> bool:
        return bool(self.settings.sms_gateway_url)

    def send(self, target: str | None, payload: dict[str, Any]) -> None:
        if not target:
            raise DeliveryFailed("sms: no phone number to send to")
        key = self.settings.sms_gateway_key
        headers = {"X-Api-Key": key.get_secret_value()} if key else {}
        answer = self._post(
            self.settings.sms_gateway_url or "", {"phone": target, "text": payload["text"]}, headers
        )
        if answer.get("code", 0) not in (0, "0", "OK"):
            raise DeliveryFailed(
                f"sms: gateway refused ({answer.get('message', answer.get('code'))})"
            )


class _GroupRobot(Sender):
    """WeCom and DingTalk group robots share the text message shape and the errcode reply."""

    url_setting: ClassVar[str]

    def configured(self) -> bool:
        return bool(getattr(self.settings, self.url_setting))

    def send(self, target: str | None, payload: dict[str, Any]) -> None:
        url = target or getattr(self.settings, self.url_setting)
        answer = self._post(url, {"msgtype": "text", "text": {"content": payload["text"]}})
        if answer.get("errcode", 0) != 0:
            raise DeliveryFailed(
                f"{self.name}: errcode {answer.get('errcode')} {answer.get('errmsg', '')}".strip()
            )


class WeComRobot(_GroupRobot):
    name = "wecom"
    url_setting = "wecom_webhook_url"


class DingTalkRobot(_GroupRobot):
    name = "dingtalk"
    url_setting = "dingtalk_webhook_url"


class Email(Sender):
    """Plain SMTP without authentication (a relay inside the government network)."""

    name = "email"

    def configured(self) -> bool:
        return bool(self.settings.smtp_host)

    def send(self, target: str | None, payload: dict[str, Any]) -> None:
        if not target:
            raise DeliveryFailed("email: no address to send to")
        message = EmailMessage()
        message["From"] = self.settings.smtp_sender
        message["To"] = target
        message["Subject"] = payload.get("subject", "CivicGrid 通知")
        message.set_content(payload["text"])
        try:
            with smtplib.SMTP(
                self.settings.smtp_host or "", self.settings.smtp_port, timeout=10
            ) as smtp:
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryFailed(f"email: {exc.__class__.__name__}: {exc}") from None


SENDERS: dict[str, type[Sender]] = {
    cls.name: cls for cls in (SmsGateway, WeComRobot, DingTalkRobot, Email)
}
