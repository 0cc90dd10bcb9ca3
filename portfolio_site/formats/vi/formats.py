"""Vietnamese formats for the admin, over Django's own (``FORMAT_MODULE_PATH``): numbers grouped
by thousands with dots (``1.234.567``; Django's ``vi`` does not group), dates ``dd/mm/yyyy``."""

DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "d/m/Y H:i"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
