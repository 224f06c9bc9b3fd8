"""Email alert pages: subscribe (POST /alerts), confirm, manage, unsubscribe.

Plain HTML forms, no JavaScript. Forms carry a signed, expiring CSRF token (no
cookie, so pages stay cacheable) and a cross-site POST is refused by its
Origin. Rate limits live in the alerts database, shared by every worker. The
token in a confirm, manage or unsubscribe URL is what proves the address: those
pages change nothing on GET (mail scanners fetch links), only on POST.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, abort, current_app, render_template, request

from indexer.alerts import store
from indexer.alerts.addresses import BadAddress, checked_address
from indexer.alerts.links import Links
from indexer.alerts.mail import confirmation_message
from indexer.alerts.smtp import Mailer, mail_from
from indexer.alerts.targets import question_label, search_label, search_target_json
from indexer.alerts.tokens import CONFIRM_SECONDS, FORM_SECONDS, BadToken, Tokens, secret_key
from indexer.errors import BadParameter, MailError

from .params import search_request_from_args
from .refine import SEARCH_PARAMS
from .views import get_answer_or_404

bp = Blueprint("alerts", __name__)
log = logging.getLogger(__name__)
REQUESTS_PER_HOUR = 10  # subscription requests one client may make
MAILS_PER_DAY = 3  # confirmation emails one address may be sent
HOUR_US, DAY_US = 3_600_000_000, store.DAY_US
SEARCH_KEYS = tuple(name for name in SEARCH_PARAMS if name not in ("sort", "page"))


@dataclass(frozen=True)
class Alerts:
    """What the alert pages need, made once by the app factory."""

    settings: object
    tokens: Tokens
    links: Links

    @classmethod
    def from_settings(cls, settings) -> Alerts:
        tokens = Tokens(secret_key(settings))
        return cls(settings, tokens, Links(settings.site_url, tokens))


def register(app) -> None:
    """Serve the alert pages, and give templates what the forms need."""
    app.register_blueprint(bp)
    app.jinja_env.globals["alerts_enabled"] = "wrans_alerts" in app.extensions
    app.jinja_env.globals["alert_form_token"] = form_token


def alerts() -> Alerts:
    found = current_app.extensions.get("wrans_alerts")
    if found is None:  # mail is not configured: there are no alert pages
        abort(404)
    return found


def form_token() -> str:
    """The CSRF token a form carries: signed, expiring, the same for every visitor."""
    return alerts().tokens.make("form", "alert-form")


def page(title: str, message: str, status: int = 200, **context):
    return render_template("alerts.html", title=title, message=message, **context), status


class Refused(Exception):
    """A request the alert pages answer with a 4xx page (and send nothing for)."""

    def __init__(self, status: int, title: str, message: str):
        super().__init__(message)
        self.status, self.title, self.message = status, title, message


@bp.after_request
def _private(response):
    """These pages show an address or carry a token in their URL: no cache, no search engine, no Referer."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.errorhandler(Refused)
def _refused(exc: Refused):
    """A 4xx page; a form refused links back to the page it was sent from, to try again."""
    referrer = request.referrer or ""
    back = referrer if request.method == "POST" and referrer.startswith(request.host_url) else None
    return page(exc.title, exc.message, exc.status, back_url=back)


def check_form() -> None:
    """Refuse a POST from another site, or without this site's unexpired form token."""
    origin = request.headers.get("Origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.host:
        raise Refused(403, "Not sent from this site",
                      "This form was sent from another site, so it was ignored.")
    try:
        alerts().tokens.read("form", request.form.get("csrf_token", ""), FORM_SECONDS)
    except BadToken:
        raise Refused(400, "Please try again", "This form has expired or did not come from this site. "
                      "Go back, reload the page and send it again.") from None


@bp.post("/alerts")
def subscribe():
    config = alerts()
    check_form()
    with store.connect(config.settings.alerts_db) as db:
        if store.count_events(db, "request", _client(), HOUR_US) >= REQUESTS_PER_HOUR:
            raise Refused(429, "Too many requests", "This connection has asked for too many alerts in the "
                          "last hour. Please try again in an hour.")
        store.add_event(db, "request", _client())
    email = _address()
    kind, target, label = _target()
    return _request_confirmation(config, email, kind, target, label)


def _request_confirmation(config: Alerts, email: str, kind: str, target: str, label: str):
    """Store the alert unconfirmed and mail the link, within the address's daily limit."""
    sent_to = f"We have sent a link to {email}. Open it to start the alert; nothing else is sent until then."
    with store.connect(config.settings.alerts_db) as db:
        store.prune(db)
        alert = store.add_pending(db, email, kind, target, label)
        if alert.confirmed:  # say the same as for a new one: the page must not tell who subscribes
            return page("Check your inbox", sent_to, label=label)
        address_key = config.tokens.keyed_hash(email)
        if store.count_events(db, "mail", address_key, DAY_US) >= MAILS_PER_DAY:
            raise Refused(429, "Too many confirmation emails", "This address has been sent the most "
                          "confirmation emails we send in a day. Please try again tomorrow.")
        store.add_event(db, "mail", address_key)
    message = confirmation_message(mail_from(config.settings), email, label,
                                   config.links.confirm(alert.id, email), config.links.site_url)
    try:
        with Mailer(config.settings) as mailer:
            mailer.send(message)
    except MailError as exc:
        log.error("confirmation email not sent: %s", exc)
        return page("Email could not be sent", "We could not send the confirmation email just now. "
                    "Please try again later.", 503)
    return page("Check your inbox", sent_to, label=label)


def _client() -> str:
    return request.remote_addr or "unknown"


def _address() -> str:
    try:
        return checked_address(request.form.get("email", ""))
    except BadAddress as exc:
        raise Refused(400, "Check the email address", str(exc)) from None


def _target() -> tuple[str, str, str]:
    """(kind, stored target, label) of the alert the form asks for."""
    if request.form.get("kind") == "question":
        raw = request.form.get("question_id", "")
        answer = get_answer_or_404(int(raw)) if raw.isdecimal() and len(raw) < 12 else abort(404)
        if answer.is_withdrawn:
            raise Refused(400, "Nothing to follow", "This question was withdrawn: it will not change.")
        return "question", str(answer.id), question_label(answer)
    try:
        search = search_request_from_args(request.form)
    except BadParameter as exc:
        raise Refused(400, "That search cannot be followed", str(exc)) from None
    query = urlencode([(n, v) for n in SEARCH_KEYS for v in request.form.getlist(n) if v.strip()])
    return "search", search_target_json(search, query), search_label(search)


def _read(purpose: str, token: str, max_age: int | None = None):
    try:
        return alerts().tokens.read(purpose, token, max_age)
    except BadToken as exc:
        if exc.expired:
            raise Refused(410, "This link has expired", "Confirmation links work for 7 days. "
                          "Ask for the alert again from its page.") from None
        raise Refused(400, "This link is not valid", "The link is damaged or was not made by this "
                      "site. Copy the whole link from the email.") from None


@bp.route("/alerts/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    alert_id, email = _read("confirm", token, CONFIRM_SECONDS)
    config = alerts()
    with store.connect(config.settings.alerts_db) as db:
        alert = store.get_alert(db, alert_id)
        if alert is None or alert.email != email:
            raise Refused(404, "No such alert", "This alert was deleted, or its link expired unconfirmed.")
        if alert.confirmed:
            raise Refused(409, "Already confirmed", "This alert is already on: nothing has changed.")
        if request.method == "POST":
            store.confirm(db, alert.id)
            return page("Alert confirmed", "We will email you when there is something new.",
                        label=alert.label, manage_url=config.links.manage(email))
    return page("Confirm your alert", "Press the button to start this alert.", label=alert.label,
                action_label="Confirm the alert")


@bp.route("/alerts/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    """One-click unsubscribe (RFC 8058): a POST to the List-Unsubscribe URL deletes at once."""
    email, alert_ids = _read("unsubscribe", token)
    config = alerts()
    if request.method == "POST":
        with store.connect(config.settings.alerts_db) as db:
            store.delete_alerts(db, email, list(alert_ids))
        return page("Unsubscribed", "You will get no more emails for this.")
    return page("Unsubscribe", "Press the button to stop these alerts.", action_label="Unsubscribe")


@bp.route("/alerts/manage/<token>", methods=["GET", "POST"])
def manage(token: str):
    email = _read("manage", token)
    config = alerts()
    message = None
    if request.method == "POST":
        check_form()
        forget = request.form.get("action") == "forget"
        raw = request.form.get("alert_id", "")
        with store.connect(config.settings.alerts_db) as db:
            store.delete_alerts(db, email, None if forget else [int(raw)] if raw.isdecimal() else [])
        message = ("Every alert is deleted and your address is forgotten." if forget
                   else "The alert is deleted.")
    with store.connect(config.settings.alerts_db) as db:
        found = store.alerts_of(db, email)
    return render_template("alerts_manage.html", email=email, alerts=found, message=message)
