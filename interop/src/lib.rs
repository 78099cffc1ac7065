//! Live interoperability tests of callseal against real peers; the tests are in `tests/`.
