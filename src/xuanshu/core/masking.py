"""Masked display of citizens' contacts: 138****1234, 0635-***1234, q***@163.com."""


def mask_phone(phone: str) -> str:
    if not phone:
        return ""
    digits = phone.removeprefix("+86")
    if digits.startswith("1") and len(digits) == 11:
        return f"{digits[:3]}****{digits[-4:]}"
    if digits.startswith("0") or phone.startswith("+86"):
        national = digits if digits.startswith("0") else "0" + digits
        # Keep the area code (3 or 4 digits) and the last 4 digits of a landline.
        area = national[:4] if national[1] in "3456789" else national[:3]
        hidden = max(len(national) - len(area) - 4, 1)
        return f"{area}-{'*' * hidden}{national[-4:]}"
    return "*" * max(len(phone) - 4, 1) + phone[-4:]


def mask_email(email: str) -> str:
    if not email or "@" not in email:
        return ""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"
