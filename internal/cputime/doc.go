// Package cputime reads how much CPU time this process has used, so that a
// load generator can report its own cost per request next to the system
// under test's.
package cputime
