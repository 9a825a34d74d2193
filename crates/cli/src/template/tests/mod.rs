//! Unit tests of the template engine, one file per concern.
