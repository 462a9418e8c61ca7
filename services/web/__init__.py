"""The web front end: the staff console (OpenID Connect sign-in) and, in its own blueprint, the
participants' pages. Server-rendered pages calling the three APIs over HTTP; no clinical data stored."""
