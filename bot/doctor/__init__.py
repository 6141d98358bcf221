"""``coach doctor``: checks of a deployment's settings and connections, one result line each.

One module per check family; :func:`bot.doctor.runner.run_checks` runs them concurrently, each network
call under its own timeout, and never lets a secret into a result.
"""
