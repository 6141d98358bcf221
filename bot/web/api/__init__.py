"""The JSON API under ``/api/v1``: the workspace's data for a coach's own tools.

Authenticated by the workspace's session cookie (then unsafe methods also need the session's
``X-CSRF-Token``) or by a per-coach token, ``Authorization: Bearer <token>`` (``coach tokens create``).
Described by ``openapi.yaml`` beside this file, served at ``/api/v1/openapi.yaml``; a test validates
every answer against it.
"""
