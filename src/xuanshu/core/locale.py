"""The language of each page: citizens read Simplified Chinese, staff and partners may choose.

Citizens' pages (everything outside the console, the admin and the partner API) are always in the site's
language (settings.LANGUAGE_CODE, zh-hans): a phone set to English would otherwise get an English page
around a Chinese vote reply, an English error page from a Chinese form, and untranslated campaign text. The
console, the admin and the API follow the browser's or client's Accept-Language, as Django's LocaleMiddleware does.
"""
from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

# Paths whose users may choose their language (editors, operators, partner systems).
CHOOSING_PREFIXES = ("/console/", "/admin/", "/api/")


class SiteLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request):
        if request.path_info.startswith(CHOOSING_PREFIXES):
            super().process_request(request)
            return
        translation.activate(settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()
