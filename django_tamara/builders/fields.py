"""Serializer fields for Tamara's checkout payload: lenient on the way in, exact on the way out.

The vertical tables and their own samples disagree on types (a number where a String is
documented, ``"true"`` for a Boolean, ISO dates where ``dd-mm-yyyy`` is asked for). These fields
take what a shop or a sample naturally writes, Python objects included (``Money``, ``Decimal``,
``date``, ``bool``, ``int``), and always emit the type the API documents. What cannot be mended
is refused with a message; the serializer turns it into a path such as ``items[0].sku``.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, cast
from urllib.parse import urlsplit

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..money import Money, MoneyError, UnknownCurrency, exponent_for, parse_amount
from ..wire import format_dmy, json_number, parse_dmy

__all__ = [
    "ISO_3166_ALPHA2",
    "MoneyField",
    "NumberField",
    "DdMmYyyyDateField",
    "LenientBooleanField",
    "IdField",
    "CountryCodeField",
    "IataCodeField",
    "LenientChoiceField",
    "LocaleField",
    "PhoneNumberField",
    "HttpUrlField",
]

#: Every ISO 3166-1 alpha-2 code (249, as in the IANA tz database's ``iso3166.tab``).
ISO_3166_ALPHA2: frozenset[str] = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR
    BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ
    EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW
    GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY
    KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV
    MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY
    QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG
    TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM
    ZW
    """.split()
)


class MoneyField(serializers.Field):
    """Tamara's ``{"amount": number, "currency": "SAR"}``; internally a :class:`Money`.

    Accepts a ``Money`` as is (it is quantised by construction) or a mapping, whose amount is
    parsed *strictly*: 1.2345 KWD is refused rather than rounded, because a hand-built payload
    with too many places is a bug upstream (the plugins that round to 2 places lose fils).
    Errors name the sub-field, so the path reads ``total_amount.amount``.
    """

    default_error_messages = {
        "invalid": _("Expected an object with amount and currency."),
        "negative": _("Ensure this amount is not negative."),
    }

    def __init__(self, *, allow_negative: bool = False, **kwargs: Any) -> None:
        self.allow_negative = allow_negative
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Money:
        if isinstance(data, Money):
            money = data
        elif isinstance(data, Mapping):
            errors: dict[str, list[str]] = {}
            amount, currency = data.get("amount"), data.get("currency")
            if "amount" not in data or amount is None:
                errors["amount"] = [str(_("This field is required."))]
            if "currency" not in data or currency in (None, ""):
                errors["currency"] = [str(_("This field is required."))]
            elif not isinstance(currency, str):
                errors["currency"] = [str(_("Expected a three-letter currency code."))]
            if errors:
                raise serializers.ValidationError(errors)
            currency = cast(str, currency).strip().upper()  # checked to be a str just above
            try:
                exponent_for(currency)
            except UnknownCurrency as exc:
                raise serializers.ValidationError({"currency": [str(exc)]}) from None
            try:
                money = Money.parse(amount, currency, strict=True)
            except MoneyError as exc:
                raise serializers.ValidationError({"amount": [str(exc)]}) from None
        else:
            self.fail("invalid")
        if not self.allow_negative and money.amount < 0:
            raise serializers.ValidationError({"amount": [str(self.error_messages["negative"])]})
        return money

    def to_representation(self, value: Any) -> dict[str, Any]:
        return Money.from_api(value).to_api()


class NumberField(serializers.Field):
    """A plain number that is not money (``order_amount_last3months``): Decimal in, JSON number out."""

    default_error_messages = {"invalid": _("A valid number is required.")}

    def to_internal_value(self, data: Any) -> Decimal:
        try:
            return parse_amount(data)
        except MoneyError:
            self.fail("invalid")

    def to_representation(self, value: Any) -> float | int:
        return json_number(parse_amount(value))


class DdMmYyyyDateField(serializers.Field):
    """A date Tamara wants as ``dd-mm-yyyy``.

    Accepts ``date``/``datetime`` objects, ``dd-mm-yyyy`` and ISO ``yyyy-mm-dd`` (the marketplace
    sample sends ``sub_merchant_joining_date`` that way); anything else is refused.
    """

    default_error_messages = {
        "invalid": _("Date has wrong format. Use dd-mm-yyyy (ISO yyyy-mm-dd is also accepted)."),
    }
    #: Two-digit day and month, as the tables write them (``parse_dmy`` alone also takes ``1-2-2024``).
    _DMY = re.compile(r"^\d{2}-\d{2}-\d{4}$")
    _ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")

    def to_internal_value(self, data: Any) -> dt.date:
        if isinstance(data, dt.datetime):
            return data.date()
        if isinstance(data, dt.date):
            return data
        if isinstance(data, str):
            text = data.strip()
            try:
                if self._DMY.match(text):
                    return parse_dmy(text)
                if m := self._ISO.match(text):
                    return dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:  # 31-02-2024: the shape is right, the day is not
                pass
        self.fail("invalid")

    def to_representation(self, value: Any) -> str:
        if isinstance(value, str):
            value = self.to_internal_value(value)
        return format_dmy(value)


class LenientBooleanField(serializers.BooleanField):
    """A JSON boolean; ``"true"``/``"false"`` (the travel sample), ``1``/``0`` are mended.

    DRF's own BooleanField also takes ``"yes"``, ``"on"``, ``"t"``...; a payload is not an HTML
    form, so only the spellings a JSON author plausibly means are accepted here.
    """

    #: ``1`` and ``0`` are found too: they equal ``True`` and ``False``.
    TRUE_VALUES = {True, "true", "1"}
    FALSE_VALUES = {False, "false", "0"}
    NULL_VALUES = {None, "null"}

    def to_internal_value(self, data: Any) -> bool:
        if isinstance(data, float):  # 1.0 is a number, not a flag
            self.fail("invalid", input=data)
        key = data.strip().lower() if isinstance(data, str) else data
        try:
            if key in self.TRUE_VALUES:
                return True
            if key in self.FALSE_VALUES:
                return False
        except TypeError:  # unhashable
            pass
        self.fail("invalid", input=data)


class StrictIntegerField(serializers.IntegerField):
    """An integer; ``"12"`` is mended, but ``True`` and ``12.5`` are refused (DRF takes ``12.0``)."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or (isinstance(data, (float, Decimal)) and data != int(data)):
            self.fail("invalid")
        return super().to_internal_value(data)


class IdField(serializers.CharField):
    """A String id; a number (the marketplace sample's ``sub_merchant_id``) or UUID is mended to text."""

    def to_internal_value(self, data: Any) -> str:
        if isinstance(data, uuid.UUID):
            data = str(data)
        elif isinstance(data, Decimal) and data == data.to_integral_value():
            data = str(int(data))
        elif isinstance(data, float):
            self.fail("invalid")  # 61817.0 is not an id anyone meant
        return super().to_internal_value(data)


class LenientChoiceField(serializers.ChoiceField):
    """A documented enumeration; case, spaces, ``_`` and ``-`` are ignored on the way in.

    ``"one way"`` and ``"ONE_WAY"`` become ``"OneWay"``; ``aliases`` maps other spellings (or
    ``None``) to a canonical choice. The output is always the spelling of the table.
    """

    _SEPARATORS = re.compile(r"[\s_\-]+")

    def __init__(self, choices: Iterable[str], *, aliases: Mapping[Any, str] | None = None, **kwargs: Any):
        super().__init__(choices=list(choices), **kwargs)
        self._lookup = {self._key(c): c for c in self.choices}
        self.aliases = dict(aliases or {})
        for alias, canonical in self.aliases.items():
            if isinstance(alias, str):
                self._lookup[self._key(alias)] = canonical

    @classmethod
    def _key(cls, value: str) -> str:
        return cls._SEPARATORS.sub("", value).lower()

    def validate_empty_values(self, data: Any) -> tuple[bool, Any]:
        if data is None and None in self.aliases:
            return (False, data)
        return super().validate_empty_values(data)

    def to_internal_value(self, data: Any) -> str:
        if data is None and None in self.aliases:
            return self.aliases[None]
        if isinstance(data, str):
            canonical = self._lookup.get(self._key(data))
            if canonical is not None:
                return canonical
        self.fail("invalid_choice", input=data)

    def to_representation(self, value: Any) -> str:
        return value


class CountryCodeField(serializers.CharField):
    """ISO 3166-1 alpha-2, emitted upper case (``"sa"`` is mended to ``"SA"``)."""

    default_error_messages = {"invalid_country": _('"{input}" is not an ISO 3166-1 alpha-2 country code.')}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 2)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data).upper()
        if value not in ISO_3166_ALPHA2:
            self.fail("invalid_country", input=data)
        return value


class IataCodeField(serializers.CharField):
    """A three-letter IATA airport or city code, emitted upper case."""

    default_error_messages = {"invalid_iata": _('"{input}" is not a three-letter IATA code.')}
    _IATA = re.compile(r"^[A-Z]{3}$")

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data).upper()
        if not self._IATA.match(value):
            self.fail("invalid_iata", input=data)
        return value


class LocaleField(LenientChoiceField):
    """``ar_SA`` or ``en_US``; ``ar``/``en`` (a widget's ``lang``) and ``en-us`` are mended."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(["ar_SA", "en_US"], aliases={"ar": "ar_SA", "en": "en_US"}, **kwargs)


class PhoneNumberField(serializers.CharField):
    """At most 32 characters of digits, with an optional leading ``+`` and spaces or dashes.

    Tamara's samples write KSA numbers with and without the country code (``502223333``,
    ``9665...``, ``+9665...``), so the number itself is not reformatted: Tamara judges it.
    """

    default_error_messages = {"invalid_phone": _("Enter a phone number: digits, an optional leading +.")}
    _PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]*$")

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 32)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        if isinstance(data, bool) or isinstance(data, float):
            self.fail("invalid")
        value = super().to_internal_value(data)
        if value and not self._PHONE.match(value):
            self.fail("invalid_phone")
        return value


class HttpUrlField(serializers.CharField):
    """An absolute ``http``/``https`` URL of at most 1024 characters.

    Django's ``URLValidator`` refuses single-label hosts such as ``testserver`` or an intranet
    name, which is what ``request.build_absolute_uri`` gives in tests and staging; Tamara only
    needs a URL it can redirect a browser to, so scheme and host are what is checked.
    """

    default_error_messages = {"invalid_url": _("Enter an absolute http or https URL.")}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 1024)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        try:
            parts = urlsplit(value)
            ok = parts.scheme in ("http", "https") and bool(parts.hostname) and not re.search(r"\s", value)
        except ValueError:
            ok = False
        if not ok:
            self.fail("invalid_url")
        return value
