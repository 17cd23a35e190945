"""Socket.IO handlers: authenticate, validate, call one service, broadcast, acknowledge.

Importing this package registers every handler on the module-level `socketio` object.
"""

from . import actions, connection  # noqa: F401
