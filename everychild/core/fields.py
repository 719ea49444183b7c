"""Model fields that keep sensitive values encrypted at rest (see everychild.core.crypto)."""

from typing import Any

from django.db import models

from everychild.core.crypto import decrypt, encrypt


class EncryptedTextField(models.TextField):
    """Text stored encrypted; read back as plain text. Not searchable: pair it with a blind
    index column when exact lookup is needed."""

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(str(value))

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value in (None, ""):
            return value
        return decrypt(value)


class EncryptedBinaryField(models.BinaryField):
    """Bytes (a photo, say) stored encrypted."""

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if value is None:
            return None
        import base64

        token = encrypt(base64.b64encode(bytes(value)).decode())
        return super().get_db_prep_value(token.encode(), connection, prepared)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return None
        import base64

        return base64.b64decode(decrypt(bytes(value).decode()))
