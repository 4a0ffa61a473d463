"""Fixtures of the e-mail channel: a real Dovecot per session, the NetEase gate in front of it, an SMTP sink."""
import datetime as dt
import itertools
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.intake.email.servers import DOVECOT, TEST_PASSWORD, TEST_USER, Dovecot, NetEaseGate, SmtpSink
from xuanshu.campaigns.models import Stage
from xuanshu.intake.channels.email.services import MailboxSettings, configure_mailbox

PASSWORD_ENV = "XUANSHU_TEST_MAILBOX_PASSWORD"
_folders = itertools.count(1)


@pytest.fixture
def campaign(campaign):
    """The seed campaign, taking nominations since before 4 March 2024, the Date of the recorded mails: an e-mail
    counts as received when it was sent (or reached the mail server), and these must arrive while nominations are open.
    Mail outside the nomination stage: test_nomination_stage.py."""
    Stage.objects.filter(campaign=campaign, kind="nomination").update(starts_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    return campaign


@pytest.fixture(scope="session")
def dovecot():
    if not Path(DOVECOT).exists():
        pytest.fail("Dovecot is not installed: apt-get install dovecot-imapd (`make test` installs it)")
    # Not under pytest's 0700 temp root: Dovecot's mail processes run as another user when we are root.
    root = Path(tempfile.mkdtemp(prefix="xuanshu-dovecot-"))
    server = Dovecot(root)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def netease_gate(dovecot):
    gate = NetEaseGate(dovecot.port)
    try:
        gate.start()
        yield gate
    finally:
        gate.stop()


@pytest.fixture(scope="session")
def smtp_sink():
    sink = SmtpSink()
    try:
        sink.start()
        yield sink
    finally:
        sink.stop()


@pytest.fixture
def smtp(smtp_sink, settings):
    """Django sends through the real SMTP sink for this test."""
    smtp_sink.messages.clear()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_sink.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    settings.DEFAULT_FROM_EMAIL = "qlwblc@163.com"
    return smtp_sink


@pytest.fixture
def imap_folder() -> str:
    """A folder of its own for each test: UIDs start at 1 and no other test's mail is in it."""
    return f"Test{next(_folders)}"


@pytest.fixture
def mailbox(campaign, dovecot, imap_folder, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, TEST_PASSWORD)
    mailbox, _created = configure_mailbox(slug="qlwblc", changes=MailboxSettings(
        host="127.0.0.1", port=dovecot.port, use_ssl=False, username=TEST_USER, password_env=PASSWORD_ENV,
        folder=imap_folder, campaign=campaign,
    ))
    return mailbox
