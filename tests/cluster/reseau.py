"""Hosts on one machine: network namespaces joined by veth pairs to a bridge that lives in its own
namespace (`ip netns`, root required). Traffic stays between these namespaces; nothing listens in
the machine's own network.

    net = Reseau("dg", {"pg1": 11, "app1": 21, ...}); net.create()
    net.argv("app1", ["dataetat", "serve", ...])       # a command run on that host
    net.enter("cli")                                   # this process's sockets now live on host cli
    net.destroy()                                      # always (the namespaces and their links go)
"""

from __future__ import annotations

import ctypes
import os
import subprocess

SUBNET = "10.77.0"
CLONE_NEWNET = 0x40000000


def run(*argv: str, check: bool = True, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run(argv, check=check, capture_output=True, text=True, timeout=timeout)


class Reseau:
    def __init__(self, prefix: str, hosts: dict[str, int]) -> None:
        self.prefix, self.hosts = prefix, hosts
        self.switch = f"{prefix}-sw"

    def ns(self, host: str) -> str:
        return f"{self.prefix}-{host}"

    def ip(self, host: str) -> str:
        return f"{SUBNET}.{self.hosts[host]}"

    def create(self) -> None:
        run("ip", "netns", "add", self.switch)
        run("ip", "-n", self.switch, "link", "add", "br0", "type", "bridge")
        run("ip", "-n", self.switch, "link", "set", "br0", "up")
        for host, octet in self.hosts.items():
            ns = self.ns(host)
            run("ip", "netns", "add", ns)
            run("ip", "-n", ns, "link", "set", "lo", "up")
            run(
                "ip", "link", "add", "eth0", "netns", ns, "type", "veth",
                "peer", "name", f"p{octet}", "netns", self.switch,
            )  # fmt: skip
            run("ip", "-n", self.switch, "link", "set", f"p{octet}", "master", "br0", "up")
            run("ip", "-n", ns, "addr", "add", f"{SUBNET}.{octet}/24", "dev", "eth0")
            run("ip", "-n", ns, "link", "set", "eth0", "up")

    def argv(self, host: str, command: list[str]) -> list[str]:
        return ["ip", "netns", "exec", self.ns(host), *command]

    def enter(self, host: str) -> None:
        """Move the calling thread (and the threads it starts) into `host`'s network."""
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        fd = os.open(f"/var/run/netns/{self.ns(host)}", os.O_RDONLY)
        try:
            if libc.setns(fd, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns")
        finally:
            os.close(fd)

    def destroy(self) -> None:
        for host in self.hosts:
            run("ip", "netns", "del", self.ns(host), check=False)
        run("ip", "netns", "del", self.switch, check=False)
