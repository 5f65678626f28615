"""A small ctypes wrapper over deltackpt's C API (include/deltackpt/c.h).

Standard library only. The shared library is found, in this order, at the
path given to Store(..., library=PATH), in the DELTACKPT_LIBRARY environment
variable, or by the system's search (ctypes.util.find_library("deltackpt")).

    import deltackpt
    with deltackpt.Store("sqlite:agent.db", full_snapshot_interval=50) as store:
        cid = store.save({"thread_id": "t1", "step": 0, "state": {"messages": []}})
        latest = store.load("t1")            # a dict, or None
        for info in store.list("t1", limit=10):
            old = store.load_by_id(info["checkpoint_id"])

Checkpoints are dicts with the keys of the C API: thread_id, checkpoint_id,
parent_id, step, created_at, metadata, pending_nodes, state. Errors raise
DeltackptError subclasses named after the status codes. A Store may be used
from many Python threads at once (the C API is thread-safe and ctypes
releases the GIL during each call).
"""

import base64
import ctypes
import ctypes.util
import json
import os

__all__ = [
    "Store", "load_library", "DeltackptError", "InvalidArgument", "NotFound", "Conflict",
    "Corruption", "StorageError", "SchemaError", "OutOfMemory", "InternalError",
]


class DeltackptError(Exception):
    """A failed call. `status` is the C status code, `retryable` tells
    whether the same call may succeed if made again (lock timeout)."""

    def __init__(self, status, message, retryable=False):
        super().__init__(message)
        self.status = status
        self.retryable = retryable


class InvalidArgument(DeltackptError):
    pass


class NotFound(DeltackptError):
    pass


class Conflict(DeltackptError):
    pass


class Corruption(DeltackptError):
    pass


class StorageError(DeltackptError):
    pass


class SchemaError(DeltackptError):
    pass


class OutOfMemory(DeltackptError):
    pass


class InternalError(DeltackptError):
    pass


# Status codes of c.h, in order.
_ERRORS = {1: InvalidArgument, 2: NotFound, 3: Conflict, 4: Corruption, 5: StorageError,
           6: SchemaError, 7: OutOfMemory, 8: InternalError}
SAVE_FORK = 1
SAVE_ROOT = 2

_libraries = {}


def load_library(path=None):
    """Loads libdeltackpt and declares the C API's signatures. Returns the
    ctypes.CDLL; the same object for the same path."""
    path = path or os.environ.get("DELTACKPT_LIBRARY") or ctypes.util.find_library("deltackpt")
    if not path:
        raise OSError("libdeltackpt not found: set DELTACKPT_LIBRARY to the path of libdeltackpt.so")
    if path in _libraries:
        return _libraries[path]
    lib = ctypes.CDLL(path)
    c_char_pp = ctypes.POINTER(ctypes.c_void_p)  # char**: freed with deltackpt_free
    store_p = ctypes.c_void_p
    sigs = {
        "deltackpt_version": (ctypes.c_char_p, []),
        "deltackpt_status_name": (ctypes.c_char_p, [ctypes.c_int]),
        "deltackpt_open": (ctypes.c_int, [ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(store_p)]),
        "deltackpt_close": (None, [store_p]),
        "deltackpt_errmsg": (ctypes.c_char_p, [store_p]),
        "deltackpt_error_retryable": (ctypes.c_int, [store_p]),
        "deltackpt_free": (None, [ctypes.c_void_p]),
        "deltackpt_save": (ctypes.c_int, [store_p, ctypes.c_char_p, ctypes.c_uint, c_char_pp]),
        "deltackpt_load": (ctypes.c_int, [store_p, ctypes.c_char_p, c_char_pp]),
        "deltackpt_load_ns": (ctypes.c_int, [store_p, ctypes.c_char_p, ctypes.c_char_p, c_char_pp]),
        "deltackpt_namespaces": (ctypes.c_int, [store_p, ctypes.c_char_p, c_char_pp]),
        "deltackpt_put_writes": (ctypes.c_int, [store_p, ctypes.c_char_p]),
        "deltackpt_writes": (ctypes.c_int, [store_p, ctypes.c_char_p, c_char_pp]),
        "deltackpt_load_by_id": (ctypes.c_int, [store_p, ctypes.c_char_p, c_char_pp]),
        "deltackpt_info": (ctypes.c_int, [store_p, ctypes.c_char_p, c_char_pp]),
        "deltackpt_list": (ctypes.c_int, [store_p, ctypes.c_char_p, ctypes.c_char_p, c_char_pp]),
        "deltackpt_history": (ctypes.c_int, [store_p, ctypes.c_char_p, c_char_pp]),
        "deltackpt_threads": (ctypes.c_int, [store_p, c_char_pp]),
        "deltackpt_remove_thread": (ctypes.c_int, [store_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_size_t)]),
        "deltackpt_prune": (ctypes.c_int, [store_p, ctypes.c_char_p, ctypes.c_char_p, c_char_pp]),
        "deltackpt_stats": (ctypes.c_int, [store_p, ctypes.c_char_p, c_char_pp]),
        "deltackpt_verify": (ctypes.c_int, [store_p, ctypes.c_char_p, c_char_pp]),
    }
    for name, (restype, argtypes) in sigs.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes
    _libraries[path] = lib
    return lib


def version(library=None):
    """The library's version, e.g. "0.1.0"."""
    return load_library(library).deltackpt_version().decode()


def _text(value):
    return None if value is None else value.encode("utf-8")


def _json_arg(value):
    # ensure_ascii=False keeps text as UTF-8; allow_nan=False refuses what
    # JSON cannot hold instead of writing NaN.
    return json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")


class Store:
    """One open store (a deltackpt_store_t). Options are those of
    deltackpt_open: deltas, full_snapshot_interval, replay_budget,
    cache_bytes, durability, pool_size, payload_encoding, migrate."""

    def __init__(self, url, library=None, **options):
        self._lib = load_library(library)
        handle = ctypes.c_void_p()
        status = self._lib.deltackpt_open(_text(url), _json_arg(options) if options else None,
                                          ctypes.byref(handle))
        if status != 0:
            message = self._lib.deltackpt_errmsg(handle).decode("utf-8", "replace")
            self._lib.deltackpt_close(handle)
            raise _ERRORS.get(status, DeltackptError)(status, message)
        self._handle = handle

    def close(self):
        """Closes the store; further calls raise ValueError. Idempotent."""
        if getattr(self, "_handle", None) is not None:
            self._lib.deltackpt_close(self._handle)
            self._handle = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()

    def _check(self, status):
        if status != 0:
            message = self._lib.deltackpt_errmsg(self._handle).decode("utf-8", "replace")
            retryable = bool(self._lib.deltackpt_error_retryable(self._handle))
            raise _ERRORS.get(status, DeltackptError)(status, message, retryable)

    def _call_json(self, fn, *args):
        """Calls fn(handle, *args, &out) and returns the parsed JSON (None for NULL)."""
        if self._handle is None:
            raise ValueError("the store is closed")
        out = ctypes.c_void_p()
        status = fn(self._handle, *args, ctypes.byref(out))
        try:
            self._check(status)
            if out.value is None:
                return None
            return json.loads(ctypes.string_at(out.value).decode("utf-8"))
        finally:
            self._lib.deltackpt_free(out)

    def save(self, checkpoint, fork=False, root=False):
        """Saves a checkpoint dict (thread_id required; state, step,
        parent_id, checkpoint_id, metadata, pending_nodes, created_at
        optional) and returns its id. fork=True allows any earlier parent_id
        (time travel): the new checkpoint starts a branch. root=True saves a
        checkpoint with no parent in a thread that has some. Saving an id
        again with the same content is a successful retry."""
        if self._handle is None:
            raise ValueError("the store is closed")
        out = ctypes.c_void_p()
        flags = (SAVE_FORK if fork else 0) | (SAVE_ROOT if root else 0)
        status = self._lib.deltackpt_save(self._handle, _json_arg(checkpoint), flags, ctypes.byref(out))
        try:
            self._check(status)
            return ctypes.string_at(out.value).decode("utf-8")
        finally:
            self._lib.deltackpt_free(out)

    def load(self, thread_id, checkpoint_ns=""):
        """The latest checkpoint of the thread's namespace ("" the root), or None."""
        return self._call_json(self._lib.deltackpt_load_ns, _text(thread_id), _text(checkpoint_ns))

    def load_by_id(self, checkpoint_id):
        """The checkpoint with this id, or None."""
        return self._call_json(self._lib.deltackpt_load_by_id, _text(checkpoint_id))

    def info(self, checkpoint_id):
        """The checkpoint's header without its state (one lookup), or None."""
        return self._call_json(self._lib.deltackpt_info, _text(checkpoint_id))

    def list(self, thread_id=None, checkpoint_ns=None, limit=0, before=None, metadata_filter=None,
             with_states=False, with_writes=False):
        """Checkpoints newest first: of one thread or every thread (None), one
        namespace or every one (None); headers, or with their states (and
        pending writes) when asked."""
        options = {"limit": limit}
        if checkpoint_ns is not None:
            options["checkpoint_ns"] = checkpoint_ns
        if before:
            options["before"] = before
        if metadata_filter:
            options["metadata_filter"] = metadata_filter
        if with_states:
            options["with_states"] = True
        if with_writes:
            options["with_writes"] = True
        return self._call_json(self._lib.deltackpt_list, _text(thread_id), _json_arg(options))

    def namespaces(self, thread_id):
        """The thread's namespaces with checkpoints, sorted ("" first)."""
        return self._call_json(self._lib.deltackpt_namespaces, _text(thread_id))

    def put_writes(self, thread_id, checkpoint_ns, checkpoint_id, writes):
        """Stores pending writes against a checkpoint (which need not exist
        yet). Each write is a dict with task_id, task_path, idx, channel, type
        and value (str, or bytes)."""
        def encoded(w):
            w = dict(w)
            if isinstance(w.get("value"), (bytes, bytearray)):
                w["value"] = {"base64": base64.b64encode(bytes(w["value"])).decode("ascii")}
            return w
        body = {"thread_id": thread_id, "checkpoint_ns": checkpoint_ns, "checkpoint_id": checkpoint_id,
                "writes": [encoded(w) for w in writes]}
        if self._handle is None:
            raise ValueError("the store is closed")
        self._check(self._lib.deltackpt_put_writes(self._handle, _json_arg(body)))

    def writes(self, thread_id, checkpoint_ns, checkpoint_id):
        """The checkpoint's pending writes, sorted by (task_path, task_id, idx);
        values that are not text come back as bytes."""
        key = {"thread_id": thread_id, "checkpoint_ns": checkpoint_ns, "checkpoint_id": checkpoint_id}
        out = self._call_json(self._lib.deltackpt_writes, _json_arg(key))
        for w in out:
            if isinstance(w["value"], dict):
                w["value"] = base64.b64decode(w["value"]["base64"])
        return out

    def history(self, thread_id):
        """Every checkpoint of the thread with its state, oldest first."""
        return self._call_json(self._lib.deltackpt_history, _text(thread_id))

    def threads(self):
        """Ids of all threads with checkpoints, sorted."""
        return self._call_json(self._lib.deltackpt_threads)

    def remove_thread(self, thread_id):
        """Deletes the thread; returns how many checkpoints it had."""
        if self._handle is None:
            raise ValueError("the store is closed")
        removed = ctypes.c_size_t()
        self._check(self._lib.deltackpt_remove_thread(self._handle, _text(thread_id), ctypes.byref(removed)))
        return removed.value

    def prune(self, thread_id, keep_last=None, max_age_seconds=None):
        """Deletes what the policy does not keep; returns {"removed", "rewritten"}."""
        policy = {}
        if keep_last is not None:
            policy["keep_last"] = keep_last
        if max_age_seconds is not None:
            policy["max_age_seconds"] = max_age_seconds
        return self._call_json(self._lib.deltackpt_prune, _text(thread_id), _json_arg(policy))

    def stats(self, thread_id=None):
        """{"total": {...}, "threads": [...]}: bytes stored against full snapshots."""
        return self._call_json(self._lib.deltackpt_stats, _text(thread_id))

    def verify(self, thread_id=None):
        """{"ok", "threads", "checkpoints", "problems"}: every chain replayed and checked."""
        return self._call_json(self._lib.deltackpt_verify, _text(thread_id))
