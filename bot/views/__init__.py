"""View functions: a domain object and a viewer in, the text and keyboard of a message out.

They read the language the caller set (the i18n middleware in handlers, ``use_locale`` in the
notifier) and return ``{"text": ..., "reply_markup": ...}`` ready for answer/edit_text.
"""
