// SPDX-License-Identifier: Apache-2.0

// Package model is the version-neutral snapshot of a cluster's BGP networking: plain,
// JSON-serialisable data that every other part of bgpnet reads (doctor, TUI, fixes).
//
// It never imports client-go clients, cobra, grpc or bubbletea. Derived views (which
// node is selected by which BGP config, …) are pure functions over a Snapshot.
package model
