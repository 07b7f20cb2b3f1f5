package digest

import (
	"bytes"
	"context"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"villi/library"
	"villi/store"
)

// twoWeeks is a library over multiple.xml where week 1 (ending now1) brings
// the records PubMed listed up to 28 days before now1, each stored two days
// after its listing, and week 2 (ending now2 = now1 + 7 days) brings those
// listed in the 28 days before now1, stored a day after now1.
type twoWeeks struct {
	lib          *library.Library
	now1, now2   time.Time
	week1, week2 []uint64 // PMIDs each week's digest must hold (no filters)
}

func newTwoWeeks(t *testing.T, dir string) *twoWeeks {
	t.Helper()
	arts := readFixture(t, fixMultiple)
	sort.Slice(arts, func(i, j int) bool { return entrez(t, arts[i]).Before(entrez(t, arts[j])) })
	// Monday 07:00 after the 70th record's listing.
	e70 := entrez(t, arts[70])
	now1 := weekStart(e70, time.UTC).AddDate(0, 0, 7).Add(7 * time.Hour)
	w := &twoWeeks{now1: now1, now2: now1.AddDate(0, 0, 7)}
	var recs []stored
	for _, a := range arts {
		e := entrez(t, a)
		r := stored{article: a, added: e.Add(48 * time.Hour)}
		if e.After(now1.Add(-28 * 24 * time.Hour)) {
			r.added = now1.Add(24 * time.Hour)
		}
		if r.added.After(w.now2) {
			continue
		}
		recs = append(recs, r)
		if !a.Retracted {
			if r.added.After(now1) {
				w.week2 = append(w.week2, a.PMID)
			} else {
				w.week1 = append(w.week1, a.PMID)
			}
		}
	}
	if len(w.week1) == 0 || len(w.week2) == 0 {
		t.Fatalf("fixture split gives weeks of %d and %d records", len(w.week1), len(w.week2))
	}
	slices.Sort(w.week1)
	slices.Sort(w.week2)
	if dir == "" {
		dir = t.TempDir()
	}
	lib := openLibAt(t, dir, recs)
	w.lib = lib
	return w
}

var articleLink = regexp.MustCompile(`/articles/(\d+)`)

// parsed is a received digest taken apart as a mail client would.
type parsed struct {
	header      mail.Header
	from        string // decoded display name
	subject     string // decoded
	contentType string
	text, html  string
	partTypes   []string
	partCTEs    []string
	pmids       []uint64 // articles linked from the text part
}

func parseMail(t *testing.T, raw []byte) parsed {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("not a mail message: %v", err)
	}
	var p parsed
	p.header = m.Header
	dec := new(mime.WordDecoder)
	from, err := mail.ParseAddress(m.Header.Get("From"))
	if err != nil {
		t.Fatalf("From %q: %v", m.Header.Get("From"), err)
	}
	p.from = from.Name
	if p.subject, err = dec.DecodeHeader(m.Header.Get("Subject")); err != nil {
		t.Fatalf("Subject: %v", err)
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("Content-Type: %v", err)
	}
	p.contentType = mt
	if mt != "multipart/alternative" {
		return p
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("multipart: %v", err)
		}
		ct, cp, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		p.partTypes = append(p.partTypes, ct+"; charset="+strings.ToLower(cp["charset"]))
		cte := part.Header.Get("Content-Transfer-Encoding")
		p.partCTEs = append(p.partCTEs, cte)
		var body []byte
		// multipart.Reader decodes quoted-printable itself and drops the header.
		if cte == "" || strings.EqualFold(cte, "quoted-printable") {
			body, err = io.ReadAll(part)
		} else {
			body, err = io.ReadAll(quotedprintable.NewReader(part))
		}
		if err != nil {
			t.Fatal(err)
		}
		s := strings.ReplaceAll(string(body), "\r\n", "\n")
		switch ct {
		case "text/plain":
			p.text = s
		case "text/html":
			p.html = s
		}
	}
	for _, m := range articleLink.FindAllStringSubmatch(p.text, -1) {
		n, _ := strconv.ParseUint(m[1], 10, 64)
		if !slices.Contains(p.pmids, n) {
			p.pmids = append(p.pmids, n)
		}
	}
	slices.Sort(p.pmids)
	return p
}

func TestMail_MIMEStructureHeadersAndOneClickUnsubscribe(t *testing.T) {
	w := newTwoWeeks(t, "")
	srv := startSMTP(t, nil)
	cfg := testConfig(w.now1)
	cfg.SMTPURL = srv.url()
	cfg.From = "Łukasz Müller <lukasz@villi.example.org>"
	cfg.GroupCap = 1000
	s := newService(t, w.lib, cfg)
	sub := addSub(t, w.lib.DB(), store.Subscription{Email: "zoë.öberg@example.org"}, longAgo)

	rep, err := s.Run(context.Background(), w.now1, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Sent != 1 {
		t.Fatalf("report = %+v, want one sent", rep)
	}
	msgs := srv.messages()
	if len(msgs) != 1 {
		t.Fatalf("server got %d messages, want 1", len(msgs))
	}
	if msgs[0].From != "lukasz@villi.example.org" || !slices.Equal(msgs[0].To, []string{"zoë.öberg@example.org"}) {
		t.Errorf("envelope = %s → %v", msgs[0].From, msgs[0].To)
	}
	p := parseMail(t, msgs[0].Data)

	if p.from != "Łukasz Müller" {
		t.Errorf("From name = %q, want Łukasz Müller", p.from)
	}
	if raw := p.header.Get("From"); !strings.Contains(raw, "=?") || strings.ContainsAny(raw, "Łü") {
		t.Errorf("From header %q is not RFC 2047-encoded", raw)
	}
	if !strings.HasPrefix(p.subject, "villi weekly: "+strconv.Itoa(len(w.week1))+" new studies — ") {
		t.Errorf("Subject = %q", p.subject)
	}
	if p.contentType != "multipart/alternative" {
		t.Fatalf("Content-Type = %q, want multipart/alternative", p.contentType)
	}
	if want := []string{"text/plain; charset=utf-8", "text/html; charset=utf-8"}; !slices.Equal(p.partTypes, want) {
		t.Errorf("parts = %v, want %v (plain first, HTML preferred last)", p.partTypes, want)
	}
	for _, cte := range p.partCTEs {
		if !strings.EqualFold(cte, "quoted-printable") && cte != "" {
			t.Errorf("part encoding %q, want quoted-printable", cte)
		}
	}
	for _, line := range bytes.Split(msgs[0].Data, []byte("\r\n")) {
		if len(line) > 998 {
			t.Fatalf("a line of %d bytes breaks RFC 5322", len(line))
		}
	}
	if !slices.Equal(p.pmids, w.week1) {
		t.Errorf("digest links %d articles, want the %d of week 1", len(p.pmids), len(w.week1))
	}

	// The parts are exactly what Preview shows.
	e, err := w.lib.DB().SendEntry(sub.ID, WeekKey(w.now1, time.UTC))
	if err != nil || e.State != store.SendSent {
		t.Fatalf("send-log = %+v, %v", e, err)
	}
	built, err := s.build(context.Background(), &sub, e.Week, e.Since, e.Until)
	if err != nil {
		t.Fatal(err)
	}
	if p.text != built.Text || p.html != built.HTML {
		t.Error("the parts sent differ from the rendered message")
	}

	if got, want := p.header.Get("Message-Id"), "<"+e.MessageID+">"; got != want {
		t.Errorf("Message-ID = %q, want %q", got, want)
	}
	if p.header.Get("Precedence") != "bulk" || !strings.Contains(p.header.Get("List-Id"), "villi") {
		t.Errorf("Precedence/List-Id = %q / %q", p.header.Get("Precedence"), p.header.Get("List-Id"))
	}
	if got := p.header.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post = %q", got)
	}
	lu := p.header.Get("List-Unsubscribe")
	if !strings.HasPrefix(lu, "<https://villi.example.org/unsubscribe?token=") || !strings.HasSuffix(lu, ">") {
		t.Fatalf("List-Unsubscribe = %q", lu)
	}
	if !strings.Contains(p.text, strings.Trim(lu, "<>")) {
		t.Error("the text part lacks the unsubscribe link of the header")
	}

	// RFC 8058: the one-click POST carries the header's token.
	tok := strings.TrimPrefix(strings.Trim(lu, "<>"), "https://villi.example.org/unsubscribe?token=")
	tok = strings.ReplaceAll(tok, "%3D", "=")
	if err := s.Unsubscribe(context.Background(), tok); err != nil {
		t.Fatalf("one-click unsubscribe: %v", err)
	}
	if _, err := w.lib.DB().Subscription(sub.ID); err == nil {
		t.Error("subscription still there after one-click unsubscribe")
	}
	if err := s.Unsubscribe(context.Background(), tok); err != nil {
		t.Errorf("second one-click POST: %v, want success", err)
	}
}

func TestMail_STARTTLSAndAuth(t *testing.T) {
	w := newTwoWeeks(t, "")
	serverTLS, clientTLS := selfSigned(t)
	for _, implicit := range []bool{false, true} {
		name := "starttls"
		if implicit {
			name = "smtps"
		}
		t.Run(name, func(t *testing.T) {
			srv := startSMTP(t, func(s *testSMTP) {
				s.user, s.pass, s.tls, s.implicitTLS = "villi", "pa:ss w/ord", serverTLS, implicit
			})
			cfg := testConfig(w.now1)
			cfg.SMTPURL = strings.Replace(srv.url(), "pa:ss w/ord", "pa%3Ass%20w%2Ford", 1)
			cfg.TLSConfig = clientTLS
			s := newService(t, w.lib, cfg)
			if _, err := s.Add(context.Background(), SignUp{Email: name + "@example.org"}, true); err != nil {
				t.Fatal(err)
			}
			rep, err := s.Run(context.Background(), w.now2, RunOptions{To: name + "@example.org"})
			if err != nil || rep.Sent != 1 {
				t.Fatalf("run = %+v, %v", rep, err)
			}
			msgs := srv.messages()
			if len(msgs) != 1 || !msgs[0].TLS || msgs[0].User != "villi" {
				t.Fatalf("got %d messages (tls %v, user %q), want one over TLS as villi", len(msgs), len(msgs) > 0 && msgs[0].TLS, func() string {
					if len(msgs) > 0 {
						return msgs[0].User
					}
					return ""
				}())
			}
		})
	}

	t.Run("wrong password fails without retry and without showing it", func(t *testing.T) {
		srv := startSMTP(t, func(s *testSMTP) { s.user, s.pass = "villi", "right" })
		cfg := testConfig(w.now1)
		cfg.SMTPURL = "smtp://villi:wr0ngpass@" + srv.addr
		s := newService(t, w.lib, cfg)
		sub, err := s.Add(context.Background(), SignUp{Email: "auth@example.org"}, true)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := s.Run(context.Background(), w.now2, RunOptions{To: "auth@example.org"})
		if err != nil {
			t.Fatal(err)
		}
		e, _ := w.lib.DB().SendEntry(sub.ID, WeekKey(w.now2, time.UTC))
		if rep.Failed != 1 || e.State != store.SendFailed || e.Attempts != 1 {
			t.Errorf("report %+v, entry %+v: want one failed attempt", rep, e)
		}
		if strings.Contains(e.LastError, "wr0ngpass") || strings.Contains(strings.Join(rep.Run.Failing, " "), "wr0ngpass") {
			t.Errorf("the password leaked into %q", e.LastError)
		}
	})
}
