"""Test settings: SQLite in memory, or PostgreSQL when TEST_DATABASE_URL names one."""
import os
import tempfile

from xuanshu.settings import *  # noqa: F401,F403
from xuanshu.settings import database_from_url

_test_url = os.environ.get("TEST_DATABASE_URL", "")
DATABASES = {"default": database_from_url(_test_url) if _test_url else {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = tempfile.mkdtemp(prefix="xuanshu-test-media-")
HUEY = {**HUEY, "immediate": True}  # noqa: F405
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
AXES_ENABLED = True
# In-process tests keep the cache in memory: fixtures clear it without a database, and one process shares it anyway.
# Servers the tests start as processes (e2e) run xuanshu.settings, whose cache without Redis is the database's.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "xuanshu-tests"}}
