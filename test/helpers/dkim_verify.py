#!/usr/bin/python3
"""Verifies the DKIM signatures of the message on stdin with python3-dkim (dkimpy), an independent
verifier, fetching the public keys with dnspython from the DNS server given as argv[1] (address)
and argv[2] (port) instead of the system's. Prints one JSON object: {"signatures": [{"domain",
"selector", "algorithm", "ok", "error"}]}, topmost signature first."""
import json
import re
import sys

import dkim
import dns.resolver

resolver = dns.resolver.Resolver(configure=False)
resolver.nameservers = [sys.argv[1]]
resolver.port = int(sys.argv[2])


def txt(name, timeout=5):
    try:
        answer = resolver.resolve(name.decode() if isinstance(name, bytes) else name, "TXT", lifetime=timeout)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return None
    return b"".join(answer[0].strings)


message = sys.stdin.buffer.read()
verifier = dkim.DKIM(message, minkey=1024)
signatures = [value for name, value in verifier.headers if name.lower() == b"dkim-signature"]
results = []
for index, value in enumerate(signatures):
    tags = dict(re.findall(rb"(\w+)\s*=\s*([^;]*)", re.sub(rb"\s+", b"", value)))
    entry = {k: tags.get(t, b"").decode() for k, t in (("domain", b"d"), ("selector", b"s"), ("algorithm", b"a"))}
    try:
        entry["ok"] = bool(verifier.verify(index, dnsfunc=txt))
        entry["error"] = None
    except dkim.DKIMException as err:
        entry["ok"] = False
        entry["error"] = str(err)
    results.append(entry)
print(json.dumps({"signatures": results}))
