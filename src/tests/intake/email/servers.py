"""Real local mail servers for the e-mail channel tests: Dovecot IMAP, an aiosmtpd SMTP sink, and a gate
in front of Dovecot that behaves like NetEase's IMAP servers about the ID command.

Every start is bounded by a timeout and every server is stopped by the fixture that started it.
"""
import contextlib
import grp
import os
import pwd
import shutil
import smtplib
import socket
import subprocess
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller
from imapclient import IMAPClient

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
DOVECOT_LMTP = "/usr/lib/dovecot/lmtp"  # Debian's dovecot-lmtpd
START_TIMEOUT = 15
TEST_USER, TEST_PASSWORD = "campaign", "dovecot-test-pass"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_greeting(port: int, *, timeout: float, process: subprocess.Popen | None = None, expect: bytes = b"* OK") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        with contextlib.suppress(OSError):
            with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                if conn.recv(64).startswith(expect):
                    return
        time.sleep(0.05)
    raise TimeoutError(f"no greeting on port {port} within {timeout}s")


class Dovecot:
    """Debian's Dovecot run from a config in a temp dir: loopback only, no TLS, PLAIN auth, one passwd-file user,
    maildir in the temp dir, `imap_id_log = *` so the log shows what ID a client sent. With dovecot-lmtpd installed it
    also takes mail over LMTP, the way an MTA hands it over (`deliver_by_lmtp`).

    As root, Dovecot's own service users run it and the mail belongs to `nobody` (Dovecot refuses mail access
    as uid 0); as any other user, everything runs as that user with chroots off.
    """

    def __init__(self, root: Path):
        self.root = root
        self.port = 0
        self.lmtp_port = 0
        self.process: subprocess.Popen | None = None
        self.log_path = root / "dovecot.log"

    def _config(self) -> str:
        if os.geteuid() == 0:
            internal_user, internal_group, login_user = "dovecot", "dovecot", "dovenull"
            mail_uid, mail_gid = pwd.getpwnam("nobody").pw_uid, grp.getgrnam("nogroup").gr_gid
        else:
            internal_user, internal_group = pwd.getpwuid(os.getuid()).pw_name, grp.getgrgid(os.getgid()).gr_name
            login_user, mail_uid, mail_gid = internal_user, os.getuid(), os.getgid()
        home = self.root / "mail" / TEST_USER
        (self.root / "passwd").write_text(f"{TEST_USER}:{{PLAIN}}{TEST_PASSWORD}:{mail_uid}:{mail_gid}::{home}::\n")
        return f"""
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.log_path}
info_log_path = {self.log_path}
protocols = imap{" lmtp" if self.lmtp_port else ""}
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
mail_location = maildir:~/Maildir
imap_id_log = *
# The wrong-password test must not slow down every later login from 127.0.0.1: no failure delay, and
# no auth penalty (disabled the documented way: doc.dovecot.org, "Authentication penalty support").
auth_failure_delay = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {self.root}/passwd
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
""" + (self._lmtp_config() if self.lmtp_port else "")

    def _lmtp_config(self) -> str:
        # LMTP delivers to campaign+Folder into Folder (created when missing), adding Return-Path, Delivered-To and
        # Received as it does in production behind Postfix.
        return f"""
recipient_delimiter = +
lmtp_save_to_detail_mailbox = yes
lda_mailbox_autocreate = yes
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {self.lmtp_port}
  }}
}}
"""

    def start(self) -> None:
        for directory in ("run", "state", "mail"):
            (self.root / directory).mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o755)
        if os.geteuid() == 0:
            os.chown(self.root / "mail", pwd.getpwnam("nobody").pw_uid, grp.getgrnam("nogroup").gr_gid)
        for _attempt in range(3):  # the free port may be taken between probing and binding
            self.port = free_port()
            self.lmtp_port = free_port() if Path(DOVECOT_LMTP).exists() else 0
            config = self.root / "dovecot.conf"
            config.write_text(self._config())
            with open(self.root / "stderr.log", "ab") as stderr:
                self.process = subprocess.Popen([DOVECOT, "-F", "-c", str(config)], stdout=subprocess.DEVNULL,
                                                stderr=stderr, start_new_session=True)
            try:
                wait_for_greeting(self.port, timeout=START_TIMEOUT, process=self.process)
                return
            except (RuntimeError, TimeoutError):
                self.stop()
        raise RuntimeError(f"Dovecot did not start; log:\n{self.log()}\n{(self.root / 'stderr.log').read_text()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def client(self) -> IMAPClient:
        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
        client.login(TEST_USER, TEST_PASSWORD)
        return client

    def deliver(self, folder: str, *messages: bytes, arrived_at=None) -> None:
        """Put messages into a folder with IMAP APPEND, in order (so UIDs follow the list); `arrived_at` is
        the INTERNALDATE the server records."""
        with self.client() as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            for raw in messages:
                client.append(folder, raw, msg_time=arrived_at)

    def deliver_by_lmtp(self, folder: str, raw: bytes, *, envelope_from: str = "citizen@163.com") -> None:
        """Hand one message to Dovecot over LMTP for delivery into `folder`, as an MTA does: Dovecot prepends its own
        Return-Path, Delivered-To and Received (with a fresh id and time), so no two deliveries give the same bytes."""
        if not self.lmtp_port:
            raise RuntimeError(f"Dovecot's LMTP server is not installed ({DOVECOT_LMTP}): apt-get install dovecot-lmtpd")
        # One recipient per transaction: smtplib reads one reply after DATA, LMTP sends one per recipient.
        with smtplib.LMTP("127.0.0.1", self.lmtp_port, timeout=10) as lmtp:
            refused = lmtp.sendmail(envelope_from, [f"{TEST_USER}+{folder}"], raw)
        if refused:
            raise RuntimeError(f"LMTP refused the message: {refused}")

    def recreate_folder(self, folder: str) -> None:
        """Delete and create a folder again: the server gives it a new UIDVALIDITY."""
        with self.client() as client:
            client.delete_folder(folder)
            client.create_folder(folder)


class NetEaseGate:
    """A loopback relay in front of Dovecot that answers SELECT and EXAMINE the way NetEase's IMAP servers
    (imap.163.com, imap.126.com) do until the client has sent the RFC 2971 ID command.

    NetEase's servers cannot run here; the refusal text is NetEase's own, as reported verbatim in
    https://github.com/mjs/imapclient/issues/544 and https://github.com/modern-email/defects/issues/25
    ("NO SELECT Unsafe Login. Please contact kefu@188.com for help"). Everything else is relayed unchanged
    to the real Dovecot. `commands` records each command name a client sent, in order.
    """

    def __init__(self, upstream_port: int):
        self.upstream_port = upstream_port
        self.port = 0
        self.commands: list[str] = []
        self._listener: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._sockets: list[socket.socket] = []

    def start(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self._spawn(self._accept_loop)
        wait_for_greeting(self.port, timeout=START_TIMEOUT)

    def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        for thread in self._threads:
            thread.join(timeout=5)

    def _spawn(self, target, *args) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept_loop(self) -> None:
        while self._listener is not None:
            try:
                client, _address = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=10)
            upstream.settimeout(None)
            self._sockets += [client, upstream]
            lock = threading.Lock()
            self._spawn(self._server_to_client, upstream, client, lock)
            self._spawn(self._client_to_server, client, upstream, lock)

    @staticmethod
    def _server_to_client(upstream: socket.socket, client: socket.socket, lock: threading.Lock) -> None:
        with contextlib.suppress(OSError):
            while data := upstream.recv(65536):
                with lock:
                    client.sendall(data)
        with contextlib.suppress(OSError):
            client.shutdown(socket.SHUT_WR)

    def _client_to_server(self, client: socket.socket, upstream: socket.socket, lock: threading.Lock) -> None:
        reader = client.makefile("rb")
        identified = False
        with contextlib.suppress(OSError, ValueError):
            while line := reader.readline():
                words = line.split(None, 2)
                command = words[1].decode("ascii", "replace").upper() if len(words) > 1 else ""
                self.commands.append(command)
                if command == "ID":
                    identified = True
                if command in ("SELECT", "EXAMINE") and not identified:
                    with lock:
                        client.sendall(words[0] + f" NO {command} Unsafe Login. Please contact kefu@188.com for help\r\n".encode())
                    continue
                upstream.sendall(line)
                while (size := _literal_size(line)) is not None:  # relay literal bytes untouched
                    upstream.sendall(reader.read(size))
                    line = reader.readline()
                    upstream.sendall(line)
        with contextlib.suppress(OSError):
            upstream.shutdown(socket.SHUT_WR)


def _literal_size(line: bytes) -> int | None:
    stripped = line.rstrip(b"\r\n")
    if not stripped.endswith(b"}") or b"{" not in stripped:
        return None
    number = stripped[stripped.rindex(b"{") + 1:-1].rstrip(b"+")
    return int(number) if number.isdigit() else None


class SmtpSink:
    """aiosmtpd on a loopback port, keeping every message it is handed (envelope and bytes)."""

    def __init__(self):
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's handler hook name
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 Message accepted for delivery"

    def start(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port(), ready_timeout=START_TIMEOUT)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()

    @property
    def port(self) -> int:
        return self.controller.port
