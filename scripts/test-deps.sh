#!/usr/bin/env bash
# Installs the Debian packages the test suite and the benchmarks use, when missing.
# Services are kept from auto-starting: the tests start their own throwaway instances.
set -euo pipefail

# libnet-ssleay-perl: swaks speaks TLS through it (only a Recommends of swaks, which --no-install-recommends skips)
# slapd: the directory tests; clamav-daemon: content scanning; chromium: the web console's tests;
# python3-dkim libmail-dkim-perl: independent DKIM and ARC verifiers and signers; bind9-utils: dnssec-signzone for DANE;
# zip: real (ZipCrypto-encrypted) zips for the content filter's tests.
packages=(bind9-dnsutils bind9-utils knot-dnsutils knot-dnssecutils knot nsd unbound dnsperf ldnsutils swaks libnet-ssleay-perl postfix nmap
  slapd clamav-daemon chromium python3-dkim libmail-dkim-perl zip)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "test-deps: missing Debian packages: ${missing[*]}; run this script as root (or: sudo $0)" >&2
  exit 1
fi

# Keep Debian's default instances (knot, nsd, unbound on port 53) from starting on install.
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"
  chmod +x "$policy"
  made_policy=1
fi
trap '[ "$made_policy" = 1 ] && rm -f "$policy"' EXIT

export DEBIAN_FRONTEND=noninteractive
# Postfix installs without its configuration dialog and without a system instance to configure:
# bench/smtp-accept runs its own throwaway instance.
echo 'postfix postfix/main_mailer_type select No configuration' | debconf-set-selections
# slapd installs without asking for a domain and without a default database: the tests make their own.
echo 'slapd slapd/no_configuration boolean true' | debconf-set-selections
apt-get -o DPkg::Lock::Timeout=900 update -q >/dev/null || true
apt-get -o DPkg::Lock::Timeout=900 install -y -q --no-install-recommends "${missing[@]}"
