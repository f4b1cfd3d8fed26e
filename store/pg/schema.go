package pg

// SchemaVersion is the newest schema this binary knows: Open brings an
// older database up to it and refuses a newer one. It is
// len(migrations), which a test checks.
const SchemaVersion = 3

// migrations[i] takes a database from schema i to i+1. Each runs inside
// the transaction that holds the migration lock (see migrate) and records
// its version there, so a migration is applied whole or not at all, and
// once. Never edit one that has shipped: add the next.
var migrations = []string{schema1, schema2, schema3}

// schema1 is the first layout: tables a person can read and query with
// SQL, mirroring what the bbolt file holds (store/store.go lists its
// buckets). Core PostgreSQL 15, no extensions.
//
// How values are kept:
//
//   - Documents docket wrote or took in (a case's fields, an object's
//     attributes and relationships, an audit event, a comment) are json,
//     not jsonb: json keeps the text exactly, and docket's digests (the
//     case's fields and objects digests, the hash chain) and its
//     byte-for-byte export cover the exact text, which jsonb rewrites
//     (key order, white space, repeated keys) and which may hold \u0000,
//     which jsonb refuses. SQL reads json with the same -> and ->>
//     operators (which refuse a document holding \u0000 anywhere; its
//     text still comes back whole); cast to jsonb for containment (@>).
//   - Text columns cannot hold U+0000. Names and ids never do (docket's
//     rules refuse control characters in them); a subject, a reference id
//     or other text taken from a Persona document might, and must be
//     refused or cleaned before it reaches a column.
//   - timestamptz holds microseconds and docket's own times nanoseconds,
//     which its digests cover (model.RecordDigest). The case's own record
//     (cases.record) keeps them exactly; a backend should also round its
//     clock to microseconds so that the columns say the same.
//   - A missing value is NULL, never an empty string: no assignee, no
//     deadline, no email.
//   - Keys compared by bytes (ids, names, tags) use COLLATE "C": byte
//     order, as bbolt's, and the cheapest comparison. Case-insensitive keys
//     (a case's name, an email, a tag) are folded by docket before they are
//     written (name_key, email_key, case_tags.tag), because upper() and
//     lower() depend on the database's locale (under C they change ASCII
//     letters only) while docket's folding must not.
//
// Queue counts (see queue_counts) are kept in counter rows split 16 ways
// rather than counted: counting the Open queue of a million cases from an
// index reads some 600,000 index entries each time a header is drawn.
const schema1 = `
-- ---- people ----

CREATE TABLE users (
	name             text COLLATE "C" PRIMARY KEY,
	email            text,
	email_key        text COLLATE "C" UNIQUE,      -- lower-cased email: one user per address
	role             text NOT NULL CHECK (role IN ('reviewer', 'lead', 'admin')),
	teams            text[] NOT NULL DEFAULT '{}',
	availability     text NOT NULL CHECK (availability IN ('available', 'busy', 'unavailable')),
	created_at       timestamptz,
	last_assigned_at timestamptz,                  -- when a policy last gave them a case (fewest-open ties)
	sum              text NOT NULL,                -- the record's digest, as for bbolt
	CHECK (email <> '' AND (email IS NULL) = (email_key IS NULL))
);

-- The cases that making a user unavailable sent back to Unassigned, to
-- give back when they are available again.
CREATE TABLE user_releases (
	username  text COLLATE "C" PRIMARY KEY REFERENCES users ON DELETE CASCADE,
	by_user   text NOT NULL,
	at        timestamptz NOT NULL,
	case_ids  text[] NOT NULL
);

CREATE TABLE user_keys (
	fingerprint text COLLATE "C" PRIMARY KEY,    -- SHA256:…, one user per key
	username    text COLLATE "C" NOT NULL,
	type        text NOT NULL,
	comment     text,
	key         text NOT NULL,                   -- the authorized_keys line
	added_at    timestamptz NOT NULL,
	added_by    text NOT NULL,
	sum         text NOT NULL
);
CREATE INDEX user_keys_user ON user_keys (username);

CREATE TABLE api_tokens (
	id          text COLLATE "C" PRIMARY KEY,    -- the token's public part
	username    text COLLATE "C" NOT NULL,
	label       text,
	created_at  timestamptz NOT NULL,
	created_by  text NOT NULL,
	expires_at  timestamptz,                     -- NULL: never
	digest      bytea NOT NULL,                  -- of the secret; the secret itself is never kept
	sum         text NOT NULL
);
CREATE INDEX api_tokens_user ON api_tokens (username);

-- ---- workflows and assignment ----

CREATE TABLE workflows (
	id          text COLLATE "C" PRIMARY KEY,
	source      text NOT NULL,                   -- the YAML as loaded
	digest      text NOT NULL,                   -- model.RecordSum("workflow", source)
	updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Round-robin assignment: the user each workflow and team gave a case to
-- last ('' for no team).
CREATE TABLE round_robin (
	workflow   text COLLATE "C" NOT NULL,
	team       text COLLATE "C" NOT NULL DEFAULT '',
	last_user  text COLLATE "C" NOT NULL,
	PRIMARY KEY (workflow, team)
);

-- The last n of each case-name key (CASE-n, KYC-n). One row per key: the
-- cases of one workflow take their names one after another, as in bbolt;
-- a sequence would not wait, but would leave gaps when a transaction
-- rolls back.
CREATE TABLE name_counters (
	key  text COLLATE "C" PRIMARY KEY,
	n    bigint NOT NULL CHECK (n >= 0)
);

-- ---- cases ----

CREATE TABLE cases (
	id              text COLLATE "C" PRIMARY KEY,
	name            text NOT NULL,
	name_key        text COLLATE "C" NOT NULL UNIQUE, -- the name upper-cased by docket: names are unique regardless of case
	workflow        text COLLATE "C" NOT NULL,
	status          text COLLATE "C" NOT NULL,
	status_type     text NOT NULL CHECK (status_type IN ('initial', 'intermediate', 'end')),
	open            boolean NOT NULL GENERATED ALWAYS AS (status_type <> 'end') STORED,
	assignee        text COLLATE "C" CHECK (assignee <> ''), -- NULL: unassigned
	assigner        text,
	creator         text,
	resolver        text,
	subject         text,
	created_at      timestamptz NOT NULL,
	updated_at      timestamptz NOT NULL,
	assigned_at     timestamptz,
	resolved_at     timestamptz,
	sla_expires_at  timestamptz,                      -- NULL: no deadline
	due             timestamptz NOT NULL GENERATED ALWAYS AS (coalesce(sla_expires_at, 'infinity')) STORED,
	                                                  -- the deadline as queues sort it: none is infinity, after every deadline
	version         bigint NOT NULL CHECK (version > 0),
	tags            text[] NOT NULL DEFAULT '{}',     -- as the case shows them; case_tags indexes them
	reference_ids   text[] NOT NULL DEFAULT '{}',     -- the attached objects' reference ids ("references" is an SQL keyword)
	redacted        boolean NOT NULL DEFAULT false,
	search          text NOT NULL,                    -- what a filter searches: name, id, subject, reference ids and tags, folded (model.Fold), one a line
	fields_sum      text,
	objects_sum     text,
	comments_sum    text,
	record          bytea NOT NULL                    -- the case itself, as docket encodes it (store/codec.go): exact times, objects in order; the columns are read from it
);

-- Each queue pages through one index in its order: deadline (due: no
-- deadline last), then creation, then id, which makes the order total; a
-- reverse sort walks the same index backwards. due is never NULL, so the
-- next page starts at a plain row comparison with the last row shown,
-- (due, created_at, id) > ($1, $2, $3), which an index scan starts from;
-- ordering by sla_expires_at NULLS LAST would need one query for the
-- deadlines and one for the rest. Creation order has its own index where
-- a reviewer sorts by it (the queues, a person's, Unassigned), as bbolt
-- keeps both orders for those prefixes only.
--
-- My queue, and anyone's, open (open = true) or closed:
CREATE INDEX cases_assignee_due ON cases (assignee, open, due, created_at, id) WHERE assignee IS NOT NULL;
CREATE INDEX cases_assignee_new ON cases (assignee, open, created_at, id) WHERE assignee IS NOT NULL;
-- Unassigned: open cases nobody has.
CREATE INDEX cases_unassigned_due ON cases (due, created_at, id) WHERE open AND assignee IS NULL;
CREATE INDEX cases_unassigned_new ON cases (created_at, id) WHERE open AND assignee IS NULL;
-- Open and Closed:
CREATE INDEX cases_queue_due ON cases (open, due, created_at, id);
CREATE INDEX cases_queue_new ON cases (open, created_at, id);
-- One workflow's open or closed cases, and one status's:
CREATE INDEX cases_workflow ON cases (workflow, open, due, created_at, id);
CREATE INDEX cases_status ON cases (workflow, status, due, created_at, id);

-- One row per tag of a case (tag lower-cased by docket), with the case's
-- sort keys beside it, so a tag's queue pages in order from one index as
-- the others do; a GIN index on cases.tags would find the cases but not
-- their order. A write that changes a case's openness or deadline
-- rewrites its rows here too (a case carries a few tags at most).
CREATE TABLE case_tags (
	case_id         text COLLATE "C" NOT NULL REFERENCES cases ON DELETE CASCADE,
	tag             text COLLATE "C" NOT NULL,
	open            boolean NOT NULL,
	due             timestamptz NOT NULL,             -- as cases.due
	created_at      timestamptz NOT NULL,
	PRIMARY KEY (case_id, tag)
);
CREATE INDEX case_tags_queue ON case_tags (tag, open, due, created_at, case_id);

-- The enrichment, apart from the case so that listing never reads it.
CREATE TABLE case_fields (
	case_id  text COLLATE "C" PRIMARY KEY REFERENCES cases ON DELETE CASCADE,
	fields   json NOT NULL                            -- a JSON object, exactly as stored
);

-- ---- objects ----

CREATE TABLE objects (
	id             text COLLATE "C" PRIMARY KEY,
	kind           text NOT NULL CHECK (kind IN ('inquiry', 'account', 'report', 'verification', 'transaction')),
	type           text NOT NULL,                     -- Persona's type: report/watchlist, …
	reference_id   text,                              -- its reference-id attribute, if any
	attributes     json,
	relationships  json,
	redacted       boolean NOT NULL DEFAULT false,
	ref_only       boolean NOT NULL DEFAULT false,    -- named by a case, not brought by any document yet
	sum            text NOT NULL,                     -- model.Object.ContentDigest
	as_of          timestamptz                        -- Persona's time of the copy a webhook last applied
);
CREATE INDEX objects_reference ON objects (reference_id) WHERE reference_id IS NOT NULL;

-- Which objects each case has, in the case's order; an object may be
-- attached to several cases (the related cases).
CREATE TABLE case_objects (
	case_id    text COLLATE "C" NOT NULL REFERENCES cases ON DELETE CASCADE,
	object_id  text COLLATE "C" NOT NULL REFERENCES objects,
	pos        integer NOT NULL,
	PRIMARY KEY (case_id, object_id)
);
CREATE INDEX case_objects_object ON case_objects (object_id, case_id);

-- ---- the audit trail and comments ----

-- seq is the case version the event made: events and versions line up.
CREATE TABLE events (
	case_id  text COLLATE "C" NOT NULL REFERENCES cases ON DELETE CASCADE,
	seq      bigint NOT NULL CHECK (seq > 0),
	at       timestamptz NOT NULL,
	actor    text NOT NULL,
	kind     text NOT NULL,
	body     json NOT NULL,                           -- the event as docket encodes it (model.Event), with its hash chain
	PRIMARY KEY (case_id, seq)
);

CREATE TABLE comments (
	case_id     text COLLATE "C" NOT NULL REFERENCES cases ON DELETE CASCADE,
	seq         bigint NOT NULL CHECK (seq > 0),
	id          text COLLATE "C" NOT NULL UNIQUE,     -- Persona's comment id, or docket-<case>-<seq>: importing it again adds nothing
	author      text NOT NULL,
	created_at  timestamptz NOT NULL,
	redacted    boolean NOT NULL DEFAULT false,
	body        json NOT NULL,                        -- the comment as docket encodes it (model.Comment): text, salt, digests, where an import took it from
	PRIMARY KEY (case_id, seq)
);

-- ---- counts ----

-- How many cases each queue holds. A queue is named as bbolt's index
-- prefixes are: 'open', 'closed', 'unassigned', 'assignee/<user>/open' (or
-- /closed), 'workflow/<id>/open', 'status/<workflow>/<status>',
-- 'tag/<tag>/open'. Its count is the sum of its rows. A write adds its
-- changes to shard pg_backend_pid() % 16, so writers on different
-- connections rarely queue for one row lock (every new case changes
-- 'open'); a transaction updates its counters in the order of their names,
-- so two never wait on each other's. A row may go negative: only the sum
-- means anything.
CREATE TABLE queue_counts (
	queue  text COLLATE "C" NOT NULL,
	shard  smallint NOT NULL CHECK (shard >= 0 AND shard < 16),
	n      bigint NOT NULL,
	PRIMARY KEY (queue, shard)
);

-- Decisions per user and day (the workload view). Only that user's
-- decisions write their row.
CREATE TABLE decisions (
	day       date NOT NULL,
	username  text COLLATE "C" NOT NULL,
	n         bigint NOT NULL,
	PRIMARY KEY (day, username)
);

-- ---- webhooks out ----

CREATE TABLE webhooks (
	id          text COLLATE "C" PRIMARY KEY,
	url         text NOT NULL,
	events      text[] NOT NULL,                      -- event names, or {*}
	created_at  timestamptz NOT NULL,
	created_by  text NOT NULL,
	secrets     bytea[] NOT NULL,                     -- signing secrets (several while a receiver rotates)
	sum         text NOT NULL
);

-- One delivery of one change to one webhook; its id is seq. doc is the
-- case document it sends, kept while it is pending.
CREATE TABLE outbox (
	seq              bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	webhook          text COLLATE "C" NOT NULL,
	event            text NOT NULL,                   -- evt_…, the same for every webhook of one change
	name             text NOT NULL,                   -- case.status-updated, …
	case_id          text COLLATE "C" NOT NULL,
	case_name        text NOT NULL,
	created_at       timestamptz NOT NULL,
	state            text NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
	attempts         integer NOT NULL DEFAULT 0,
	last_status      integer,
	last_error       text,
	last_attempt_at  timestamptz,
	next_attempt_at  timestamptz,
	delivered_at     timestamptz,
	failed_at        timestamptz,
	doc              bytea,
	CHECK ((state = 'pending') = (next_attempt_at IS NOT NULL))
);
-- The deliverer's question: which of a webhook's pending deliveries are due.
CREATE INDEX outbox_due ON outbox (webhook, next_attempt_at, seq) WHERE state = 'pending';
CREATE INDEX outbox_webhook ON outbox (webhook, seq);

-- ---- the API's idempotent requests ----

CREATE TABLE requests (
	username  text COLLATE "C" NOT NULL,
	key       text COLLATE "C" NOT NULL,              -- the Idempotency-Key
	digest    text NOT NULL,                          -- of method, path and body
	at        timestamptz NOT NULL,
	case_id   text COLLATE "C",
	done      boolean NOT NULL DEFAULT false,         -- the reply is saved
	status    integer,
	etag      text,
	location  text,
	body      bytea,
	PRIMARY KEY (username, key)
);
CREATE INDEX requests_at ON requests (at);          -- the order they expire in

-- ---- webhooks in (Persona's events) ----

CREATE TABLE inbox (
	id           text COLLATE "C" PRIMARY KEY,        -- evt_…: a repeat is recognised
	name         text NOT NULL,
	type         text,
	created_at   timestamptz NOT NULL,                -- when Persona made it
	received_at  timestamptz NOT NULL,
	last_at      timestamptz NOT NULL,
	attempts     integer NOT NULL,
	outcome      text NOT NULL CHECK (outcome IN ('applied', 'unchanged', 'unused', 'refused')),
	detail       text,
	case_ids     text[] NOT NULL DEFAULT '{}'
);
CREATE INDEX inbox_received ON inbox (received_at); -- the order they are forgotten in

-- Received events per name and outcome, sharded as queue_counts is.
CREATE TABLE inbox_counts (
	name       text COLLATE "C" NOT NULL,
	shard      smallint NOT NULL CHECK (shard >= 0 AND shard < 16),
	applied    bigint NOT NULL DEFAULT 0,
	unchanged  bigint NOT NULL DEFAULT 0,
	unused     bigint NOT NULL DEFAULT 0,
	refused    bigint NOT NULL DEFAULT 0,
	last       timestamptz,
	PRIMARY KEY (name, shard)
);
`

// schema2 lets the transactions of the rules (see tx.go) write in the
// order the rules do, which bbolt never checked:
//
//   - An import links a case to the objects it names, and takes in the
//     case's comments, before it writes the case (store/import.go), and
//     links an object before it stores the reference-only stand-in for
//     it. So a link and a comment are checked against their case and
//     object when the transaction commits, not when written.
//   - A case's search text is bytea, holding exactly the bytes bbolt's row
//     summary does (store/bolt/codec.go, encodeSummary): name, id, subject,
//     reference ids and tags, folded, each after a U+0000, which no text
//     column holds. So a filter's text is found in the same cases on
//     either backend, even one that spans two of the parts.
//   - An email claim is released apart from the user's record
//     (backend.Users.DropEmail): the record keeps the address, which its
//     digest covers, until the rules write the user again. So a user may
//     hold an email it no longer claims (email_key NULL), never a claim
//     without an email.
const schema2 = `
ALTER TABLE case_objects ALTER CONSTRAINT case_objects_case_id_fkey DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE case_objects ALTER CONSTRAINT case_objects_object_id_fkey DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE comments ALTER CONSTRAINT comments_case_id_fkey DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE events ALTER CONSTRAINT events_case_id_fkey DEFERRABLE INITIALLY DEFERRED;

-- No docket wrote cases into schema 1: there is nothing to convert.
ALTER TABLE cases ALTER COLUMN search TYPE bytea USING convert_to(search, 'UTF8');

ALTER TABLE users DROP CONSTRAINT users_check;
ALTER TABLE users ADD CONSTRAINT users_email_check CHECK (email <> '');
ALTER TABLE users ADD CONSTRAINT users_claim_check CHECK (email_key IS NULL OR email IS NOT NULL);
`

// schema3 keeps the mark of a copy into the database that has not
// finished (docket copy, store/copy.go): while it is there, docket refuses
// to open the database, which holds only part of the source.
const schema3 = `
CREATE TABLE unfinished_copy (
	only_row  boolean PRIMARY KEY DEFAULT true CHECK (only_row),
	source    text NOT NULL,                   -- the database being copied, without its password
	began_at  timestamptz NOT NULL DEFAULT now()
);
`
