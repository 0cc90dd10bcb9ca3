"""English formats for the admin, over Django's own (``FORMAT_MODULE_PATH``): short, unambiguous
dates and times (``2026-12-07 14:05``) in narrow changelist columns; numbers ``1,234,567``."""

DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
