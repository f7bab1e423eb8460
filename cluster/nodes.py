"""The cluster's processes: PostgreSQL primary and replica, two gunicorn app nodes, two task workers,
a local stand-in for the WeCom robot. Every process is started in its own process group, so a node
is killed whole (master and workers) and nothing is left behind at the end."""

from __future__ import annotations

import base64
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from cluster import pg
from cluster.http import Session

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


@dataclass
class Proc:
    name: str
    command: list[str]
    env: dict
    log: Path
    popen: subprocess.Popen | None = None

    def start(self) -> None:
        handle = self.log.open("ab")
        self.popen = subprocess.Popen(
            self.command, cwd=ROOT, env=self.env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
        handle.close()

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.popen is not None and self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, sig)
            except ProcessLookupError:
                pass
        if sig == signal.SIGKILL and self.popen is not None:
            self.popen.wait(timeout=30)

    def stop(self) -> None:
        if self.popen is None or self.popen.poll() is not None:
            self.kill()  # the group may outlive its leader
            return
        self.kill(signal.SIGTERM)
        try:
            self.popen.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()
        else:
            self.kill()


@dataclass
class Config:
    base: Path = Path(os.environ.get("GRIDGOV_CLUSTER_DIR", "/tmp/gridgov-cluster"))
    primary_port: int = int(os.environ.get("GRIDGOV_CLUSTER_PG_PORT", "54338"))
    replica_port: int = int(os.environ.get("GRIDGOV_CLUSTER_REPLICA_PORT", "54339"))
    app_ports: tuple[int, int] = tuple(
        int(p) for p in os.environ.get("GRIDGOV_CLUSTER_APP_PORTS", "8110,8111").split(",")
    )
    app_workers: int = int(os.environ.get("GRIDGOV_CLUSTER_APP_WORKERS", "2"))
    load_seconds: float = float(os.environ.get("GRIDGOV_CLUSTER_LOAD_SECONDS", "60"))
    load_clients: int = int(os.environ.get("GRIDGOV_CLUSTER_LOAD_CLIENTS", "8"))


@dataclass
class Cluster:
    config: Config
    primary: pg.Server | None = None
    replica: pg.Server | None = None
    nodes: list[Proc] = field(default_factory=list)
    workers: list[Proc] = field(default_factory=list)
    env: dict = field(default_factory=dict)
    robot_url: str = ""

    @property
    def logs(self) -> Path:
        return self.config.base / "logs"

    def common_env(self) -> dict:
        """What every process of the deployment shares: the primary, the keys, the shared file store."""
        c = self.config
        return {
            **{k: v for k, v in os.environ.items() if not k.startswith(("GRIDGOV_", "DJANGO_", "DATABASE_URL"))},
            "DJANGO_SETTINGS_MODULE": "gridgov.settings",
            "DATABASE_URL": self.primary.url,
            "GRIDGOV_PRODUCTION": "1",
            "GRIDGOV_SECRET_KEY": self.secret_key,
            "GRIDGOV_MASTER_KEY": self.master_key,
            "GRIDGOV_SECURE_COOKIES": "0",  # plain HTTP on loopback; TLS ends at the proxy in production
            "GRIDGOV_SSL_REDIRECT": "0",  # likewise: no redirect to an https:// nobody serves here
            "GRIDGOV_MEDIA_ROOT": str(c.base / "shared-media"),
            "GRIDGOV_SHARED_CACHE": "1",
            "GRIDGOV_WECOM_WEBHOOK_URL": self.robot_url,
            "GRIDGOV_WECOM_PER_MINUTE": "100000",
            "GRIDGOV_LOG_FORMAT": "json",
            "GRIDGOV_LOG_LEVEL": "WARNING",
        }

    def prepare(self) -> None:
        c = self.config
        pg.ensure_installed()
        c.base.mkdir(parents=True, exist_ok=True)
        c.base.chmod(0o1777)  # the postgres user writes its sockets here
        self.logs.mkdir(exist_ok=True)
        for log in self.logs.glob("*.log"):
            log.unlink()
        self.secret_key = secrets.token_urlsafe(40)
        self.master_key = base64.b64encode(secrets.token_bytes(32)).decode()
        self.primary = pg.make_primary(c.primary_port, c.base)
        self.replica = pg.make_replica(self.primary, c.replica_port, c.base)

    def node_env(self, number: int, port: int) -> dict:
        c = self.config
        return {
            **self.common_env(),
            "GRIDGOV_REPLICA_URLS": self.replica.url,
            "GRIDGOV_VAR_DIR": str(c.base / f"var-node{number}"),  # the node's own disk: nothing shared there
            "GRIDGOV_SERVE_STATIC": "1",
            "GRIDGOV_STATIC_MANIFEST": "1",
            "GRIDGOV_BIND": f"127.0.0.1:{port}",
            "GRIDGOV_WORKERS": str(c.app_workers),
            "GRIDGOV_REPLICA_RETRY_SECONDS": "3",
            "PGAPPNAME": node_name(number),  # its sessions on the primary, told apart in pg_stat_activity
        }

    def make_node(self, number: int) -> Proc:
        port = self.config.app_ports[number]
        command = [str(VENV_BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "gridgov.wsgi"]
        return Proc(node_name(number), command, self.node_env(number, port), self.logs / f"node{number}.log")

    def start_nodes(self) -> None:
        self.nodes = [self.make_node(i) for i in range(2)]
        for node in self.nodes:
            node.start()
        for port in self.config.app_ports:
            wait_ready(port)

    def restart_node(self, number: int) -> None:
        self.nodes[number].stop()
        self.nodes[number] = self.make_node(number)
        self.nodes[number].start()
        wait_ready(self.config.app_ports[number])

    def start_workers(self) -> None:
        for number in range(2):
            name = f"worker{number + 1}"
            env = {**self.common_env(), "GRIDGOV_VAR_DIR": str(self.config.base / f"var-worker{number}"),
                   "PGAPPNAME": name}  # fmt: skip
            command = [sys.executable, "manage.py", "run_periodic", "--interval", "2"]
            worker = Proc(name, command, env, self.logs / f"worker{number}.log")
            worker.start()
            self.workers.append(worker)

    def stop(self) -> None:
        for proc in [*self.workers, *self.nodes]:
            proc.stop()
        for server in (self.replica, self.primary):
            if server is not None:
                server.stop()


def node_name(number: int) -> str:
    """App node 0 is "nodeA", 1 "nodeB": its process name and its PostgreSQL application_name."""
    return f"node{'AB'[number]}"


def wait_ready(port: int, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if Session().get(port, "/readyz", timeout=5).status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"the app node on {port} is not ready")
