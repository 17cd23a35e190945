"""Operations: load a session, let the domain decide, persist atomically, return events.

Routes and socket handlers call exactly one of these and then broadcast what it returns.
"""
