package digest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Link purposes. A token signed for one purpose is refused for another.
type purpose byte

const (
	purposeConfirm     purpose = 'c'
	purposeManage      purpose = 'm'
	purposeUnsubscribe purpose = 'u'
)

var (
	// ErrBadToken is returned for a link token that is malformed, altered or
	// signed for another purpose.
	ErrBadToken = errors.New("this link is not valid")
	// ErrExpiredToken is returned for a genuine link past its expiry.
	ErrExpiredToken = errors.New("this link has expired")
)

// tokenMACLen is the length of the HMAC-SHA256 kept in a token: 128 bits is
// far beyond guessing and keeps links short.
const tokenMACLen = 16

// signer makes and checks link tokens: base64url(purpose | id | expiry) and
// base64url(HMAC-SHA256(secret, "villi-digest-link" | payload)[:16]), joined
// by a dot.
type signer struct{ secret []byte }

func (s signer) mac(payload []byte) []byte {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("villi-digest-link\x00"))
	m.Write(payload)
	return m.Sum(nil)[:tokenMACLen]
}

func (s signer) sign(p purpose, id uint64, expires time.Time) string {
	payload := make([]byte, 17)
	payload[0] = byte(p)
	binary.BigEndian.PutUint64(payload[1:9], id)
	binary.BigEndian.PutUint64(payload[9:], uint64(expires.Unix()))
	enc := base64.RawURLEncoding
	return enc.EncodeToString(payload) + "." + enc.EncodeToString(s.mac(payload))
}

// verify returns the subscription id a token names, checking signature,
// purpose and expiry (at now).
func (s signer) verify(token string, want purpose, now time.Time) (uint64, error) {
	enc := base64.RawURLEncoding
	p64, m64, ok := strings.Cut(token, ".")
	if !ok {
		return 0, ErrBadToken
	}
	payload, err1 := enc.DecodeString(p64)
	sum, err2 := enc.DecodeString(m64)
	if err1 != nil || err2 != nil {
		return 0, ErrBadToken
	}
	if len(payload) != 17 || len(sum) != tokenMACLen || !hmac.Equal(sum, s.mac(payload)) {
		return 0, ErrBadToken
	}
	if purpose(payload[0]) != want {
		return 0, fmt.Errorf("%w: it was made for another page", ErrBadToken)
	}
	id := binary.BigEndian.Uint64(payload[1:9])
	exp := time.Unix(int64(binary.BigEndian.Uint64(payload[9:])), 0)
	if now.After(exp) {
		return 0, fmt.Errorf("%w (on %s)", ErrExpiredToken, exp.UTC().Format("2 Jan 2006"))
	}
	return id, nil
}
