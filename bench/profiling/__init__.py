"""Deterministic cost per request: CPU instructions counted by callgrind, for the CI gate.

`driver` runs inside valgrind (standard library only); `callgrind` starts and reads it;
`result` holds the versioned result document and the pure gate logic.
"""
