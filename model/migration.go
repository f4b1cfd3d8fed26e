package model

// EventMigrated records a case rewritten by a new version of its workflow:
// its status was renamed, changed type (an end status became intermediate,
// say, reopening it), or dropped (the case went to the initial status).
// From and To are the statuses; Effects says why, in words.
const EventMigrated EventKind = "migrated"
