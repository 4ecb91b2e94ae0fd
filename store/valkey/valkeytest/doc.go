// Package valkeytest starts real Valkey-protocol servers for tests: one
// redis-server (Debian's 7.0 speaks the protocol Baton uses) on a free
// loopback port in a temporary directory, or a three-node cluster.
//
// BATON_TEST_VALKEY_URL (and BATON_TEST_VALKEY_CLUSTER_URL for the cluster)
// point the tests at a server that is already running instead; tests then
// keep apart by key prefix.
//
// When redis-server is not installed the tests fail, saying how to install
// it: CI must never pass without having run them. A developer without the
// server may set BATON_TEST_VALKEY_SKIP=1 to skip them instead (CI never
// sets it).
package valkeytest
