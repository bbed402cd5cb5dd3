"""The local credential server: role credentials for containers and long-running programs.

A credential server is a door, kept narrow: it listens on loopback only (an exposed address
only when the option says so), serves one profile, answers only ``GET`` on one path with a
256-bit token from a 0600 file (compared in constant time) and an allow-listed ``Host``, and
refuses anything carrying ``Origin`` or ``X-Forwarded-For``. There is no route that changes
what it serves. Its credentials come from the same cache, locks and refresh as
credential-process.

- ``checks``: who may ask, and for what (pure functions)
- ``tokenfile``: the token and its 0600 file
- ``source``: where the credentials come from, one upstream call at a time
- ``answers``: the ECS and IMDS documents, and error answers
- ``imds``: the IMDSv2 token step and routes
- ``peer``: on Linux, the user behind a loopback connection (only its own, and root's, are let in)
- ``server``: the threaded loopback HTTP server
- ``child``: ``exec --server``: a command run against a private server
- ``shadow``: the lines ``serve`` prints so its credentials win, and what they shadow
"""
