"""Deterministic cost per request: CPU instructions counted by callgrind, for the CI gate.

`driver` runs inside valgrind (standard library only) and `callgrind` starts and reads it: the
app's callable in-process. `server` counts requests through the production server, which
`launch` starts under valgrind (standard library only). `environment` builds each tree's
environment from its lock; `tree` checks out a base; `result` holds the versioned result
document and the pure gate logic.
"""
