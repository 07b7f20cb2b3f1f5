package web

import "time"

// Digest sign-ups per client address: each one sends a mail, so a script
// must not turn the form into a way to mail strangers. A household or an
// office behind one address still gets a few at once.
const (
	signUpBurst      = 5
	signUpEvery      = 2 * time.Minute
	signUpMaxTracked = 10_000
)

// Share-link requests per client address: a person reading and printing a
// handout needs a handful; a script walking tokens or scraping gets 429s.
const (
	shareBurst      = 20
	shareEvery      = 3 * time.Second
	shareMaxTracked = 10_000
)
