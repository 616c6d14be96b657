#!/bin/bash
# Mutual TLS from outside (molecule/stack verify): run on a host that is not
# Prometheus, against endpoints on other hosts. Reads lines
#   <name> <url> <user:password>
# on stdin (the credentials never reach a command line: curl reads them
# from a 0600 file) and prints, per endpoint, the HTTP status curl got
# (000: refused during the TLS handshake) for four clients:
#   nocert        no client certificate, right credentials
#   noauth        no client certificate, no credentials
#   otherca       a certificate from another CA (named like Prometheus), right credentials
#   notprometheus this host's own certificate from the private CA, right credentials
set -u -o pipefail
work=$(mktemp -d) && trap 'rm -rf "$work"' EXIT
ca=/etc/node_exporter/ca.crt own_cert=/etc/node_exporter/tls.crt own_key=/etc/node_exporter/tls.key
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
  -keyout "$work/other.key" -out "$work/other.crt" -subj /CN=monitor \
  -addext "subjectAltName=DNS:monitor,DNS:localhost" 2>/dev/null
probe() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 5 --cacert "$ca" "$@" || true
}
while read -r name url auth; do
  (umask 077 && printf 'user = "%s"\n' "$auth" > "$work/auth")
  echo "$name" \
    "nocert=$(probe -K "$work/auth" "$url")" \
    "noauth=$(probe "$url")" \
    "otherca=$(probe --cert "$work/other.crt" --key "$work/other.key" -K "$work/auth" "$url")" \
    "notprometheus=$(probe --cert "$own_cert" --key "$own_key" -K "$work/auth" "$url")"
done
