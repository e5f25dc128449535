"""Quote and request ids: 32 hex characters, unique across processes and restarts, cheap to make.

A random 64-bit prefix drawn once per process (``os.urandom``) and a 64-bit
counter: a ``uuid4`` per id costs a system call that, under load, hands the
interpreter lock to the audit writer thread. The ids are identifiers, not
secrets: nothing is authorised by knowing one.
"""

from __future__ import annotations

import itertools
import os
import threading

_lock = threading.Lock()
_prefix = os.urandom(8).hex()
_counter = itertools.count()
_pid = os.getpid()


def new_id() -> str:
    """A new id: this process's random prefix, then its next counter value, in hex.

    Examples
    --------
    >>> first, second = new_id(), new_id()
    >>> len(first), first != second, first[:16] == second[:16]
    (32, True, True)
    """
    if os.getpid() != _pid:  # a forked worker draws its own prefix
        _reseed()
    return f"{_prefix}{next(_counter):016x}"


def _reseed() -> None:
    global _prefix, _counter, _pid
    with _lock:
        if os.getpid() != _pid:
            _prefix, _counter, _pid = os.urandom(8).hex(), itertools.count(), os.getpid()
