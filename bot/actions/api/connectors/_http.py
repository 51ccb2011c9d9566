"""What the connectors share: one time budget per call, the platform's answers turned into data,
None (not found) or OrderStoreUnavailable, and the small helpers that build an `Order`.

Rules every connector follows (docs/connectors.md):

- one time budget per connector call (`ORDER_API_TIMEOUT`): every request of the call (pages,
  follow-up look-ups, the one retry) shares it;
- 404 → None (not found); 401/403 → unavailable, naming the settings to check; 5xx, network errors,
  a redirect and malformed JSON → unavailable;
- 429 → wait `Retry-After` seconds and retry, once per call, only when the wait fits in what is left
  of the budget; otherwise unavailable at once;
- an order number that is not letters and digits, or an e-mail that does not look like one, is
  never sent to the platform;
- messages and logs never carry a secret (they are redacted even from aiohttp's own errors).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Optional, Union

import aiohttp
from yarl import URL

from bot.actions.api.order_model import Order, OrderStoreUnavailable

logger = logging.getLogger(__name__)

MAX_ORDERS = 20  # orders_by_email: the newest 20 at most
MAX_PAGES = 10  # orders_by_email never walks more pages than this, whatever the platform says
DEFAULT_RETRY_AFTER = 1.0  # a 429 without Retry-After: wait one second (if the budget allows)

NUMBER = re.compile(r"[A-Za-z0-9]{1,40}")
EMAIL = re.compile(r"[A-Za-z0-9._+\-]{1,64}@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")


def clean_number(number: Any) -> Optional[str]:
    """The order number when it is only letters and digits (what may be sent); None otherwise."""
    text = str(number if number is not None else "").strip()
    return text if NUMBER.fullmatch(text) else None


def clean_email(email: Any) -> Optional[str]:
    """The address, lower-cased, when it looks like one (what may be sent); None otherwise.
    No brackets, pipes, percent signs or blanks: nothing that a platform's filter syntax reads."""
    text = str(email or "").strip().lower()
    return text if len(text) <= 254 and EMAIL.fullmatch(text) else None


def text_or_none(value: Any) -> Optional[str]:
    """A non-empty string, stripped; None for null, blanks and non-scalars."""
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    return text or None


def full_name(first: Any, last: Any) -> Optional[str]:
    """The full name ("Giulia Rossi") from its parts; None when both are empty."""
    return " ".join(p for p in (text_or_none(first), text_or_none(last)) if p) or None


def postcode(value: Any) -> Optional[str]:
    """A postcode as `Order.from_dict` keeps it (stripped, upper-case)."""
    text = text_or_none(value)
    return text.upper() if text else None


NO_PRODUCTS = "articoli non indicati"


def product_summary(names: Iterable[Any]) -> str:
    """The products of an order in one line: "A, B, C", or "A, B, C +2" beyond three items."""
    items = [n for n in (text_or_none(x) for x in names) if n]
    if not items:
        return NO_PRODUCTS
    shown = ", ".join(items[:3])
    return f"{shown} +{len(items) - 3}" if len(items) > 3 else shown


def web_url(value: Any) -> Optional[str]:
    """A link that may be given to a customer (http or https); None otherwise."""
    text = text_or_none(value)
    return text if text and text.lower().startswith(("https://", "http://")) else None


DAY_FIRST = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")


def iso_date(value: Any) -> Optional[str]:
    """A date as ISO (2026-11-18) from "2026-11-18…", "18/11/2026" or a Unix timestamp; None when
    it is none of these."""
    text = text_or_none(value)
    if not text:
        return None
    try:
        if text.isdigit() and len(text) >= 9:
            return datetime.fromtimestamp(int(text), tz=timezone.utc).date().isoformat()
        match = DAY_FIRST.fullmatch(text)
        if match:
            day, month, year = (int(g) for g in match.groups())
            return date(year, month, day).isoformat()
        return date.fromisoformat(text[:10]).isoformat()
    except (ValueError, OverflowError, OSError):
        return None


def instant(value: Any) -> datetime:
    """A platform's timestamp as an aware datetime, for sorting (naive → UTC; unreadable → oldest)."""
    text = text_or_none(value) or ""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError:
        return datetime.min.replace(tzinfo=timezone.utc)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def newest_first(orders: list[Order]) -> list[Order]:
    """At most MAX_ORDERS orders, the newest first (by `extra["ordered_at"]`), one per number."""
    unique = list({o.number: o for o in orders}.values())
    unique.sort(key=lambda o: instant(o.extra.get("ordered_at")), reverse=True)
    return unique[:MAX_ORDERS]


def retry_after(headers: Mapping[str, str]) -> Optional[float]:
    """Seconds to wait from `Retry-After` (seconds, possibly decimal, or an HTTP date); None when
    unreadable. Without the header: DEFAULT_RETRY_AFTER."""
    raw = headers.get("Retry-After")
    if raw is None or not raw.strip():
        return DEFAULT_RETRY_AFTER
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _where(location: str) -> str:
    """A redirect's target without its query (which could carry credentials)."""
    try:
        url = URL(location)
    except ValueError:
        return "another address"
    return str(url.with_query(None).with_fragment(None)) if url.is_absolute() else url.path or "?"


@dataclass(frozen=True)
class Reply:
    """A platform's successful answer: the JSON body and the headers (pagination)."""

    data: Any
    headers: Mapping[str, str]


class Platform:
    """How to reach one platform's API and how to speak about it.

    `name` is used in messages; `url_setting` and `credentials` name the settings an operator
    checks; `secrets` are redacted from every message; `not_found` may turn a 404 body into an
    error message (a 404 that means "wrong address", not "no such order").
    """

    def __init__(
        self,
        name: str,
        timeout: float,
        *,
        url_setting: str,
        credentials: str,
        headers: Optional[Mapping[str, str]] = None,
        auth: Optional[aiohttp.BasicAuth] = None,
        params: Optional[Mapping[str, str]] = None,
        secrets: Iterable[str] = (),
        misconfigured_404: Optional[Callable[[Any], Optional[str]]] = None,
    ) -> None:
        self.name = name
        self.timeout = float(timeout)
        self.url_setting = url_setting
        self.credentials = credentials
        self.headers = {"Accept": "application/json", **dict(headers or {})}
        self.auth = auth
        self.params = dict(params or {})
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)
        self._misconfigured_404 = misconfigured_404

    def redact(self, text: str) -> str:
        """The text without any secret of this platform."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def unavailable(self, message: str) -> OrderStoreUnavailable:
        """The error to raise (logged once here, without secrets)."""
        message = self.redact(f"{self.name}: {message}")
        logger.warning("order store unavailable: %s", message)
        return OrderStoreUnavailable(message)

    def call(self) -> Call:
        """One connector call: `async with platform.call() as call: await call.get(...)`."""
        return Call(self)

    def misconfigured_404(self, data: Any) -> Optional[str]:
        return self._misconfigured_404(data) if self._misconfigured_404 else None


class Call:
    """One connector call: one session, one deadline, at most one wait after a 429."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.requests = 0
        self._retried = False
        self._deadline = 0.0
        self._session: Optional[aiohttp.ClientSession] = None

    async def __aenter__(self) -> Call:
        self._deadline = asyncio.get_running_loop().time() + self.platform.timeout
        self._session = aiohttp.ClientSession(headers=self.platform.headers, auth=self.platform.auth)
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        if self._session is not None:
            await self._session.close()

    def remaining(self) -> float:
        """Seconds left of this call's budget."""
        return self._deadline - asyncio.get_running_loop().time()

    def _timed_out(self) -> OrderStoreUnavailable:
        return self.platform.unavailable(f"no answer within {self.platform.timeout:g}s (ORDER_API_TIMEOUT)")

    async def get(self, url: Union[str, URL], params: Optional[Mapping[str, Any]] = None) -> Optional[Reply]:
        """GET `url` (with the platform's fixed params and `params`); None on 404."""
        assert self._session is not None, "use `async with platform.call() as call`"
        query = {**self.platform.params, **{k: str(v) for k, v in (params or {}).items()}}
        while True:
            remaining = self.remaining()
            if remaining <= 0:
                raise self._timed_out()
            self.requests += 1
            try:
                async with self._session.get(
                    url,
                    params=query or None,
                    allow_redirects=False,
                    timeout=aiohttp.ClientTimeout(total=remaining),
                ) as response:
                    if response.status != 429:
                        return await self._read(response)
                    wait = retry_after(response.headers)
            except asyncio.TimeoutError:
                raise self._timed_out() from None
            except aiohttp.ClientError as exc:
                raise self.platform.unavailable(f"unreachable ({type(exc).__name__}: {exc})") from None
            if wait is None:
                raise self.platform.unavailable("is limiting requests (429) with an unreadable Retry-After")
            if self._retried:
                raise self.platform.unavailable("is still limiting requests (429) after one retry")
            if wait >= self.remaining():
                raise self.platform.unavailable(
                    f"is limiting requests (429): Retry-After {wait:g}s does not fit in the time-out "
                    f"({self.platform.timeout:g}s, ORDER_API_TIMEOUT)"
                )
            self._retried = True
            await asyncio.sleep(wait)

    async def _read(self, response: aiohttp.ClientResponse) -> Optional[Reply]:
        status = response.status
        platform = self.platform
        if status == 404:
            try:
                body = json.loads((await response.read()).decode("utf-8-sig"))
            except ValueError:
                body = None
            problem = platform.misconfigured_404(body)
            if problem:
                raise platform.unavailable(problem)
            return None
        if status in (401, 403):
            raise platform.unavailable(f"refused the credentials ({status}): check {platform.credentials}")
        if 300 <= status < 400:
            where = _where(response.headers.get("Location", ""))
            raise platform.unavailable(
                f"redirects ({status}) to {where}: set {platform.url_setting} to the address it redirects to"
            )
        if status >= 500:
            raise platform.unavailable(f"server error ({status})")
        if status >= 400:
            raise platform.unavailable(f"refused the request ({status})")
        try:
            data = json.loads((await response.read()).decode("utf-8-sig"))
        except ValueError:
            raise platform.unavailable(f"answered {status} with a body that is not JSON") from None
        return Reply(data, response.headers.copy())
