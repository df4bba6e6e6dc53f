"""Headers, cookies and proxy settings for serving on the open internet.

Every response gets a strict Content-Security-Policy (no inline script or style anywhere),
no sniffing or framing, and a referrer policy; staff, door and API answers and the private
link's pages are never stored by a cache. Cookies are Secure whenever the request came over
HTTPS, also behind a reverse proxy trusted through TRUSTED_PROXIES.
"""

from __future__ import annotations

import os

from flask import Flask, Request, Response, has_request_context, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
# The door's QR reader (static/vendor, for browsers without BarcodeDetector) is WebAssembly,
# which a CSP blocks unless it allows compiling wasm; that page alone allows it (not eval).
DOOR_CSP = {**CSP, "script-src": "'self' 'wasm-unsafe-eval'"}

HSTS = "max-age=31536000; includeSubDomains"
PRIVATE_PREFIXES = ("/staff", "/admin", "/door", "/visa", "/api/", "/r/", "/invitation/")
# The same for everyone: the programme's seats and the API description may be cached.
CACHEABLE_PATHS = ("/api/v1/sessions", "/api/v1/openapi.json")


def policy(directives: dict[str, str]) -> str:
    return "; ".join(f"{name} {value}" for name, value in directives.items())


# The header values, written once rather than on every response.
CSP_HEADER, DOOR_CSP_HEADER = policy(CSP), policy(DOOR_CSP)


class SecureWhenHttpsSessionInterface(SecureCookieSessionInterface):
    """SESSION_COOKIE_SECURE is fixed at start-up; this marks the cookie Secure also for each
    request that came over HTTPS, so one configuration serves both HTTP tests and HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (has_request_context() and request.is_secure)

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """Without a session cookie (door apps and scripts with a token), an empty session,
        without making the signing serializer, which derives its key on each request."""
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def is_private(path: str) -> bool:
    """Staff, door, API or a delegate's private link: personal data or a signed-in page."""
    if path in CACHEABLE_PATHS:
        return False
    return path.startswith(PRIVATE_PREFIXES)


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    door_page = request.endpoint == "door.door_page"
    headers.setdefault("Content-Security-Policy", DOOR_CSP_HEADER if door_page else CSP_HEADER)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    # A view may have chosen stricter (the private link's pages send no-referrer).
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", HSTS)
    # A form's answer repeats what was entered (personal data): never kept either.
    if is_private(request.path) or request.method == "POST":
        response.cache_control.no_store = True  # added to what a view set (e.g. "private")
    return response


def register(app: Flask) -> None:
    app.config.setdefault("TRUSTED_PROXIES", int(os.environ.get("TRUSTED_PROXIES", "0") or 0))
    # Flask-Login's remember cookie (unused today: login_user without remember=True).
    app.config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    app.config.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("REMEMBER_COOKIE_SECURE", app.config.get("SESSION_COOKIE_SECURE", False))
    app.session_interface = SecureWhenHttpsSessionInterface()
    trusted = int(app.config["TRUSTED_PROXIES"])
    if trusted > 0:
        # Behind `trusted` proxies: the client's address (rate limits key on it), scheme, host
        # and port come from their X-Forwarded-* headers; without them those are ignored.
        # Not X-Forwarded-Host/-Port: the proxy passes Host on (README), and a client's own
        # X-Forwarded-Host would otherwise choose the host of the private links we build.
        # Wrapping the wsgi_app method is how Flask documents middleware; mypy sees a method.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=trusted, x_proto=trusted, x_host=0, x_port=0, x_prefix=0
        )
    app.after_request(add_security_headers)
