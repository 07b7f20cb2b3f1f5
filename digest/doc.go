// Package digest owns villi's weekly digest e-mails: subscriptions with
// double opt-in and signed links, the selection of what is new for each
// subscriber, rendering (HTML and plain text), sending over SMTP, and the
// send-log that keeps every (subscription, ISO week) digest from being lost or
// sent twice.
//
// It must not serve HTTP: the web package's subscribe, confirm, manage,
// unsubscribe and preview pages are thin wrappers around Service, which takes
// plain values and returns plain values and errors.
//
// # Selection
//
// A subscription's digest covers the records whose Added time falls in
// (LastSent, Until] — LastSent being the end of the previous digest's window,
// or the confirmation time — and that PubMed first listed (the entrez date) at
// most 30 days before villi stored them, so that a first crawl's backfill of
// old papers is never mailed; a record without an entrez date cannot show it
// is new and is left out too. Retracted records are left out. The records
// come from library.Search, the one search function, with the subscription's
// conditions, mechanisms, query, minimum evidence and species as filters, and
// are then checked exactly against the window. They are grouped by condition
// (a record following several of the subscriber's conditions shows once, under
// the first in table order), strongest evidence first, then newest, with at
// most Config.GroupCap items per group and a link to the full search.
//
// # Check your handouts
//
// A subscriber who keeps collections (by the same e-mail address as her
// login) is told in her next digest of every item that got flagged —
// retracted, an expression of concern, an erratum, removed from PubMed — as
// collection.Watch reports them. The subscription remembers the flags its sent
// digests told (Subscription.Told), so each is told once; a week with such a
// flag is never an empty week.
//
// # Sending and the send-log
//
// Each digest has a stable Message-ID derived from (subscription, week), so
// that a copy sent again after an interruption can be recognised. Its
// send-log entry is a sendLog (sendlog.go), whose methods are the only
// transitions: each checks the state the entry is in (any other is refused
// with an error naming both states) and writes the entry, with the
// subscription where that moves too, in one store transaction. A run takes a
// digest through them as follows:
//
//   - claim: before the SMTP transaction opens, a new or failed entry becomes
//     "sending", with one attempt more; the window and Message-ID are fixed
//     at the first. A subscription removed or unconfirmed meanwhile, or a
//     window a later digest covered, stops it.
//   - commit: after the whole message has been written and just before the
//     final "." that asks the server to accept it, "sending" becomes
//     "committing".
//   - sent: after the server's 250, "committing" becomes "sent" in the same
//     transaction that moves the subscription's LastSent to the end of the
//     window.
//   - fail: the server refused the message or never got all of it, or it
//     could not be attempted at all: a new, sending, committing or failed
//     entry becomes "failed", with the error, and is retried.
//   - uncertain: the connection dropped after the final "." without an SMTP
//     reply: "committing" becomes "uncertain".
//   - skip: nothing new, and the subscriber chose no mail for empty weeks: a
//     new or failed entry becomes "skipped" and LastSent moves.
//   - supersede: a failed or uncertain entry of an earlier week whose window
//     a later digest covered becomes "superseded".
//
// Sent, skipped and superseded are final. A crash leaves "sending" or
// "committing", and the next run reads them as follows:
//
//   - sending: the server never received a complete message and discards the
//     transaction; the entry fails and is retried.
//   - committing: the server may or may not have accepted it; the entry
//     becomes uncertain and is not resent automatically. It is listed by
//     `villi digest` and in the run's Failing list until a person resends it
//     (`villi digest --resend-uncertain`, which lets claim and skip take an
//     uncertain entry; same Message-ID) or the next week's digest covers its
//     window.
//
// So delivery is at most once, except for that one round trip, where a person
// decides; a failure is never silent (failed entries are retried by every later
// run in the same week, and a week that could not be sent is covered by the
// next week's digest, its entry marked "superseded").
//
// Temporary failures (a 4xx reply, a network error) are retried within a run
// with exponential backoff; permanent ones (5xx) fail the entry at once.
//
// # Confirmation mails
//
// Subscribe stores the sign-up and queues its confirmation mail for a few
// background workers, so a sign-up page never waits on the mail server; a
// sign-up repeated while its mail is queued queues nothing more. The queue is
// in memory: a mail given up on is logged, and since ConfirmSent is recorded
// only once the server accepted it, the next sign-up of the address sends
// it. Shutdown stops taking sign-ups, lets the queue drain until its context
// ends and then cuts off what still waits on the server. Add (the admin's
// command) sends at once, within Config.Timeout.
//
// # Security
//
// Confirm, manage and unsubscribe links carry tokens signed with HMAC-SHA256
// (the secret comes from Config.Secret, i.e. VILLI_SECRET, or else a random
// secret kept in the store's meta bucket) that name their purpose, the
// subscription and an expiry. Nothing but the confirmation mail is sent to an
// unconfirmed subscription. Digests carry RFC 8058 List-Unsubscribe and
// List-Unsubscribe-Post headers when the base URL is https. The SMTP password
// is never logged: errors and logs show the URL redacted.
package digest
