"""Personal data: finding it in text, masking it for roles that may not see it, keeping it
out of logs."""

from civicgrid.privacy.masking import (
    find_id_numbers,
    find_phones,
    mask_id_number,
    mask_name,
    mask_phone,
    redact_text,
)

__all__ = [
    "find_id_numbers",
    "find_phones",
    "mask_id_number",
    "mask_name",
    "mask_phone",
    "redact_text",
]
