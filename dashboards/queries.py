"""PromQL used by the dashboards.

The ``GUIDE_*`` constants are copied verbatim from the Monitoring Guide's
"Useful Prometheus Queries" section; keep them byte-for-byte identical so that
the dashboards show exactly what the guide documents. Everything else is a
per-instance or per-type variant of those, or a query over a metric named in
the guide's "Key Metrics" tables.

Template variables (``$instance``) appear only inside label-matcher strings,
so every expression here also parses on a plain Prometheus as it stands.
"""

from typing import Final

# Request rate
GUIDE_REQUEST_RATE: Final = "sum(rate(http_requests_total[5m]))"
GUIDE_REQUEST_RATE_BY_STATUS: Final = "sum(rate(http_requests_total[5m])) by (status)"
GUIDE_ERROR_RATE_PERCENT: Final = (
    'sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m])) * 100'
)

# Latency
GUIDE_LATENCY_P50: Final = (
    "histogram_quantile(0.50, sum(rate(http_request_duration_seconds_bucket[5m])) by (le))"
)
GUIDE_LATENCY_P95: Final = (
    "histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket[5m])) by (le))"
)
GUIDE_LATENCY_P99: Final = (
    "histogram_quantile(0.99, sum(rate(http_request_duration_seconds_bucket[5m])) by (le))"
)

# Resource usage
GUIDE_CPU_PERCENT: Final = '100 - (avg(irate(node_cpu_seconds_total{mode="idle"}[5m])) * 100)'
GUIDE_MEMORY_PERCENT: Final = (
    "(node_memory_MemTotal_bytes - node_memory_MemAvailable_bytes)"
    " / node_memory_MemTotal_bytes * 100"
)
GUIDE_DISK_PERCENT: Final = (
    '100 - ((node_filesystem_avail_bytes{mountpoint="/"}'
    ' / node_filesystem_size_bytes{mountpoint="/"}) * 100)'
)

# Voice server
GUIDE_VOICE_ACTIVE_SESSIONS: Final = "voice_active_sessions"
GUIDE_VOICE_LATENCY_P95: Final = (
    "histogram_quantile(0.95, sum(rate(voice_session_latency_seconds_bucket[5m])) by (le))"
)
GUIDE_VOICE_AUDIO_THROUGHPUT: Final = (
    "rate(voice_audio_bytes_received_total[5m]) + rate(voice_audio_bytes_sent_total[5m])"
)

# Per-instance variants of the guide's resource queries (System Overview).
_NODE: Final = 'instance=~"$instance"'
CPU_PERCENT_BY_INSTANCE: Final = (
    f'100 - (avg by (instance) (irate(node_cpu_seconds_total{{mode="idle", {_NODE}}}[5m])) * 100)'
)
MEMORY_PERCENT_BY_INSTANCE: Final = (
    f"(node_memory_MemTotal_bytes{{{_NODE}}} - node_memory_MemAvailable_bytes{{{_NODE}}})"
    f" / node_memory_MemTotal_bytes{{{_NODE}}} * 100"
)
DISK_PERCENT_BY_INSTANCE: Final = (
    f'100 - ((node_filesystem_avail_bytes{{mountpoint="/", {_NODE}}}'
    f' / node_filesystem_size_bytes{{mountpoint="/", {_NODE}}}) * 100)'
)
NETWORK_RECEIVE_BY_INSTANCE: Final = (
    f'sum by (instance) (rate(node_network_receive_bytes_total{{device!="lo", {_NODE}}}[5m]))'
)
NETWORK_TRANSMIT_BY_INSTANCE: Final = (
    f'sum by (instance) (rate(node_network_transmit_bytes_total{{device!="lo", {_NODE}}}[5m]))'
)

# Application (API) variants.
REQUEST_RATE_BY_INSTANCE: Final = "sum by (instance) (rate(http_requests_total[5m]))"
IN_FLIGHT_TOTAL: Final = "sum(http_requests_in_flight)"
IN_FLIGHT_BY_INSTANCE: Final = "sum by (instance) (http_requests_in_flight)"

# Voice server variants.
VOICE_ACTIVE_SESSIONS_TOTAL: Final = "sum(voice_active_sessions)"
VOICE_AUDIO_THROUGHPUT_TOTAL: Final = (
    "sum(rate(voice_audio_bytes_received_total[5m]) + rate(voice_audio_bytes_sent_total[5m]))"
)
VOICE_AUDIO_RECEIVED: Final = "sum by (instance) (rate(voice_audio_bytes_received_total[5m]))"
VOICE_AUDIO_SENT: Final = "sum by (instance) (rate(voice_audio_bytes_sent_total[5m]))"
VOICE_SESSION_ERRORS_TOTAL: Final = "sum(rate(voice_session_errors_total[5m]))"
VOICE_SESSION_ERRORS_BY_INSTANCE: Final = "sum by (instance) (rate(voice_session_errors_total[5m]))"

# Targets (the guide's ServiceDown alert is `up == 0`).
TARGETS_UP: Final = "sum(up)"
TARGETS_DOWN: Final = "count(up == 0) or vector(0)"
TARGETS_UP_BY_JOB: Final = "sum by (job) (up)"

# Databases. percona/mongodb_exporter with --compatible-mode exports the guide's
# "mongodb_connections_current/available" as one gauge with a `state` label, and
# op counters as `mongodb_op_counters_total{type=...}` (exporter/v1_compatibility.go).
MONGODB_UP: Final = "mongodb_up"
MONGODB_CONNECTIONS_CURRENT: Final = 'mongodb_connections{state="current"}'
MONGODB_CONNECTIONS_AVAILABLE: Final = 'mongodb_connections{state="available"}'
MONGODB_OPS_BY_TYPE: Final = "sum by (type) (rate(mongodb_op_counters_total[5m]))"
REDIS_UP: Final = "redis_up"
REDIS_MEMORY_USED: Final = "redis_memory_used_bytes"
REDIS_CONNECTED_CLIENTS: Final = "redis_connected_clients"
DATABASE_EXPORTERS_UP: Final = 'up{job=~"mongodb|redis"}'
