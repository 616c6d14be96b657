"""The Monitoring Guide's Grafana dashboards, defined as code.

Each module builds one dashboard with Grafana's own ``grafana-foundation-sdk``
builders; ``python -m dashboards.build`` renders them to the JSON files that the
``grafana`` role provisions (``roles/grafana/files/dashboards/<uid>.json``).
"""
