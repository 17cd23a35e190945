"""Every Redis key Facilitator uses is built here, under one prefix.

docs/redis-keys.md describes each key; keep the two in step.
"""

from __future__ import annotations

PREFIX = "fac"


def _key(*parts: str) -> str:
    return ":".join((PREFIX, *parts))


# Staff accounts and credentials.
def user(user_id: str) -> str:
    """Hash: one staff account (email, name, role, password hash)."""
    return _key("user", user_id)


def user_by_email(email: str) -> str:
    """String: the user id registered for a (lower-cased) email address."""
    return _key("user-email", email.lower())


def users() -> str:
    """Set: every staff user id."""
    return _key("users")


def api_token(token_hash: str) -> str:
    """Hash: one API token, found by its SHA-256: user, id, name, created, expires, used."""
    return _key("api-token", token_hash)


def api_tokens(user_id: str) -> str:
    """Hash: token id -> token hash, for every API token of one user (to list and revoke)."""
    return _key("user", user_id, "api-tokens")


def sign_ins(user_id: str) -> str:
    """Hash: SHA-256 of a sign-in id -> when it began: one field per signed-in browser."""
    return _key("user", user_id, "sign-ins")


def staff_sockets(user_id: str) -> str:
    """Hash: Socket.IO id -> the credential it was opened with, for each open socket of one
    staff member, so that ending a sign-in or a token closes the sockets it opened."""
    return _key("user", user_id, "sockets")


def password_reset(token_hash: str) -> str:
    """String (expiring): the user id a one-time password reset link (its SHA-256) is for."""
    return _key("password-reset", token_hash)


def setup_token() -> str:
    """String: SHA-256 of the one-time link that creates the first admin."""
    return _key("setup-token")


def library() -> str:
    """Hash: the competency library, competency id -> JSON."""
    return _key("library")


# The organisation's branding on candidates' pages (one per installation).
def branding() -> str:
    """Hash: organisation, accent, logo_type and version of the branding."""
    return _key("branding")


def branding_logo() -> str:
    """String: the logo image, base64-encoded (the client decodes every reply as text)."""
    return _key("branding", "logo")


# Privacy: the notice candidates read before checking in, and the audit log.
def privacy_notice() -> str:
    """Hash: the admin-edited privacy notice (text, updated_at, updated_by); absent: the default."""
    return _key("privacy-notice")


def audit() -> str:
    """Stream: who viewed, changed, exported or erased assessment data, and every sign-in."""
    return _key("audit")


# Sessions.
def sessions() -> str:
    """Sorted set: every session id, scored by creation time."""
    return _key("sessions")


def join_code(code: str) -> str:
    """String: the session id a join code opens."""
    return _key("join-code", code)


def invite(token_hash: str) -> str:
    """String: "<session id>:<candidate id>" for a personal invite link's token hash."""
    return _key("invite", token_hash)


def device(token_hash: str) -> str:
    """String: "<session id>:<candidate id>" for a checked-in phone's device token hash."""
    return _key("device", token_hash)


def devices(session_id: str) -> str:
    """Hash: candidate id -> the hash of the device token their phone holds, so that letting
    another phone in as them can sign the first one out."""
    return _key("session", session_id, "devices")


def admissions(session_id: str) -> str:
    """Hash: admission id -> a phone's request to be let in (JSON: the request, what was decided,
    and the hash of the phone's admission token)."""
    return _key("session", session_id, "admissions")


def admission(token_hash: str) -> str:
    """String (expiring): "<session id>:<admission id>" for a waiting phone's admission token hash."""
    return _key("admission", token_hash)


def join_lane(who: str) -> str:
    """String (expiring): the instant (ms) from which the next slowed join-code check of one
    address (or, for "all", of anyone) may run."""
    return _key("join-lane", who)


def session(session_id: str) -> str:
    """String: the session document (set-up, state, runs) as JSON."""
    return _key("session", session_id)


def session_version(session_id: str) -> str:
    """String (integer): bumped whenever the session document changes (validates caches)."""
    return _key("session", session_id, "version")


def candidates(session_id: str) -> str:
    """Hash: candidate id -> candidate JSON."""
    return _key("session", session_id, "candidates")


def candidate_secrets(session_id: str) -> str:
    """Hash: candidate id -> invite token (kept to show the personal link again)."""
    return _key("session", session_id, "invites")


def questions(session_id: str) -> str:
    """Hash: question id -> question JSON."""
    return _key("session", session_id, "questions")


def outputs(session_id: str) -> str:
    """Hash: "<exercise id>:<group id>" -> latest group output JSON."""
    return _key("session", session_id, "outputs")


def announcements(session_id: str) -> str:
    """String: JSON list of the latest announcements."""
    return _key("session", session_id, "announcements")


def requests(session_id: str) -> str:
    """Hash: client-generated request id -> the acknowledgement first sent for it."""
    return _key("session", session_id, "requests")


def request_events(session_id: str) -> str:
    """Hash: request id (or "observation:<id>") -> "<first seq> <count>", the events it logged,
    pushed again when a repeat of it is answered (its first push may never have gone out)."""
    return _key("session", session_id, "request-events")


def seq(session_id: str) -> str:
    """String (integer): the last sequence id handed out in the session's event log."""
    return _key("session", session_id, "seq")


def events(session_id: str) -> str:
    """Stream: the session's append-only event log; entry ids are "<seq>-0"."""
    return _key("session", session_id, "events")


def sockets(session_id: str, kind: str, person_id: str) -> str:
    """Set: Socket.IO ids of one person's open connections to a session (kind: candidate,
    observer, manager), so that removing someone can close them on whichever process holds them."""
    return _key("session", session_id, "sockets", kind, person_id)


def online(session_id: str) -> str:
    """Set: candidate ids with at least one open connection (the lobby's presence dots)."""
    return _key("session", session_id, "online")


# Several processes: pushes between them, and which process holds which socket.
def pushes() -> str:
    """Stream: every emit of every process, read by all of them from the last id each saw."""
    return _key("pushes")


def processes() -> str:
    """Set: ids of the app processes that hold (or held) sockets."""
    return _key("processes")


def process_alive(process_id: str) -> str:
    """String (expiring): present while the process is running; refreshed by its heartbeat."""
    return _key("process", process_id, "alive")


def process_sockets(process_id: str) -> str:
    """Hash: Socket.IO id -> "<session id>:<kind>:<person id>" for each socket the process holds."""
    return _key("process", process_id, "sockets")


def setup_note(session_id: str, user_id: str) -> str:
    """String (JSON, expiring): what the set-up page shows once beside the form a user just sent."""
    return _key("session", session_id, "setup-note", user_id)


def rate_limit(bucket: str, who: str) -> str:
    """String (integer, expiring): attempts in the current window."""
    return _key("rate", bucket, who)


def session_keys(session_id: str) -> list[str]:
    """The keys one session's live operations read and write together."""
    return [
        session(session_id),
        candidates(session_id),
        questions(session_id),
        outputs(session_id),
        announcements(session_id),
    ]


# Evidence: kept apart from the session's live keys so that recording an observation
# never contends with the facilitator's commands.
def observations(session_id: str) -> str:
    """Hash: observation id -> the observation's current version (JSON)."""
    return _key("session", session_id, "observations")


def observation_versions(session_id: str) -> str:
    """Hash: "<observation id>:<version>" -> an earlier version, kept when edited or deleted."""
    return _key("session", session_id, "observation-versions")


def observation_counts(session_id: str) -> str:
    """Hash: "<exercise id>:<candidate id>" -> number of live observations."""
    return _key("session", session_id, "observation-counts")


def observations_by(session_id: str, observer_id: str) -> str:
    """Set: ids of the observations one observer recorded (their snapshot reads only these)."""
    return _key("session", session_id, "observations-by", observer_id)


def ratings(session_id: str) -> str:
    """Hash: "<exercise id>:<candidate id>:<observer id>" -> rating JSON."""
    return _key("session", session_id, "ratings")


# The review: agreed scores, decisions, follow-up points and feedback, one record per candidate.
def reviews(session_id: str) -> str:
    """Hash: candidate id -> the candidate's review record (consensus, decision, history) JSON."""
    return _key("session", session_id, "reviews")


def washup(session_id: str) -> str:
    """Hash: "state" -> the wash-up meeting's order and the candidate on screen (JSON)."""
    return _key("session", session_id, "washup")


def person(email_hash: str) -> str:
    """Set: "<session id>:<candidate id>" of every roster entry with this email (its SHA-256),
    so a returning candidate's earlier sessions can be found without storing the address twice."""
    return _key("person", email_hash)


def candidate_data(session_id: str) -> list[str]:
    """Every key holding a session's candidates' personal data (erased after retention),
    apart from the per-person sets found with `candidate_data_patterns`."""
    return [
        candidates(session_id),
        candidate_secrets(session_id),
        questions(session_id),
        outputs(session_id),
        announcements(session_id),
        requests(session_id),
        request_events(session_id),
        events(session_id),
        observations(session_id),
        observation_versions(session_id),
        observation_counts(session_id),
        ratings(session_id),
        reviews(session_id),
        washup(session_id),
        online(session_id),
        devices(session_id),
        admissions(session_id),
    ]


def candidate_data_patterns(session_id: str) -> list[str]:
    """SCAN patterns for the per-person sets of a session."""
    return [_key("session", session_id, "observations-by", "*"), _key("session", session_id, "sockets", "*")]
