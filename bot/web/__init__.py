"""The coach web workspace: server-rendered pages at ``/app`` on the service's HTTP server.

Layout: ``app.py`` builds the sub-application (templates, static files, middlewares, page modules);
``auth/`` holds sign-in with one-time links, sessions, CSRF and the access guards; ``pages/`` one module
per page; ``templates/`` Jinja templates (autoescaped); ``static/`` the CSS and the small script.

How to add a page:

1. A module in ``bot/web/pages/`` with ``routes = web.RouteTableDef()`` and named routes, e.g.
   ``@routes.get("/programs", name="programs")``. Add the module to ``PAGE_MODULES`` in ``app.py``.
   A route named ``programs``, ``settings`` or ``admin`` appears in the main menu by itself.
2. Every route needs a signed-in coach (the middleware sends others to sign-in) unless decorated with
   ``auth.guards.public``. Decorate admin pages with ``auth.guards.requires_admin`` (others get 404,
   audited). ``auth.guards.signed_in(request)`` is the coach; ``auth.guards.load_visible_client`` loads
   the client of a URL or answers 404 (audited) when this coach may not see them.
3. Read and write through ``domain/services`` inside ``request.config_dict[DB_KEY].unit_of_work()``;
   no SQL in handlers.
4. Answer with ``render.render(request, "page.html", title=..., section="programs", ...)``; the template
   extends ``base.html``. Every ``<form method="post">`` carries
   ``<input type="hidden" name="csrf_token" value="{{ csrf_token }}">`` (scripts send the
   ``X-CSRF-Token`` header); after a successful post answer ``render.redirect(url)``.
5. Every text goes through the ``web`` gettext domain (``bot/web/i18n.py``): ``{% trans %}`` or
   ``_("...")`` in templates, ``gettext``/``ngettext``/``N_`` in Python; dates, numbers and money
   through the Babel filters (``|day``, ``|moment``, ``|percent``, ``money``). Then ``make
   translations`` and translate the new entries of every ``web.po``.
6. Test access over real HTTP with ``tests/support/web.py`` (``served_workspace``, ``browser``).
"""
