"""Domain errors: services raise these; views turn them into messages for people."""


class DomainError(Exception):
    """A request the domain refuses; `message` is already translated for the person who asked."""

    def __init__(self, message: str, *, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.code = code


class IllegalTransition(DomainError):
    def __init__(self, message: str):
        super().__init__(message, code="illegal_transition")


class PermissionDenied(DomainError):
    def __init__(self, message: str):
        super().__init__(message, code="permission_denied")
