#!/usr/bin/env python3
"""Writes N varied hardened/unhardened service units (with some drop-ins) into DIR and prints their
paths. A stand-in for the Swift test generator, so the bench needs no test build."""
import os, random, sys

d, n = sys.argv[1], int(sys.argv[2])
os.makedirs(d, exist_ok=True)
rng = random.Random(2000)
lines = ["DynamicUser=yes", "User=www-data", "PrivateDevices=yes", "PrivateTmp=yes", "ProtectSystem=strict",
         "ProtectHome=read-only", "NoNewPrivileges=yes", "CapabilityBoundingSet=~CAP_SYS_ADMIN CAP_NET_ADMIN",
         "RestrictNamespaces=~user net", "RestrictAddressFamilies=AF_UNIX AF_INET", "SystemCallArchitectures=native",
         "SystemCallFilter=@system-service", "SystemCallFilter=~@privileged @resources:EPERM", "IPAddressDeny=any",
         "IPAddressAllow=localhost", "DevicePolicy=closed", "UMask=0077", "ProtectProc=invisible",
         "ProtectClock=yes", "ProtectKernelModules=yes", "LockPersonality=yes", "MemoryDenyWriteExecute=yes"]
for i in range(n):
    p = os.path.join(d, f"bench-{i}.service")
    with open(p, "w") as f:
        f.write("[Unit]\nDescription=bench unit\n\n[Service]\nExecStart=/bin/true\n")
        f.write("\n".join(rng.sample(lines, rng.randint(0, len(lines)))) + "\n")
    if i % 5 == 0:
        os.makedirs(p + ".d", exist_ok=True)
        with open(os.path.join(p + ".d", "10-extra.conf"), "w") as f:
            f.write("[Service]\n" + "\n".join(rng.sample(lines, 3)) + "\n")
    print(p)
