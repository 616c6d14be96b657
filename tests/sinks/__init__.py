"""Stand-ins for Slack, PagerDuty and an SMTP server, run inside test containers.

Standard library only: they run on the containers' own python3 (Debian 12:
3.11, Debian 13: 3.13, which no longer has ``smtpd``).
"""
