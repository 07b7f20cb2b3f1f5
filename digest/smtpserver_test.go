package digest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// received is one message the test server accepted.
type received struct {
	From string
	To   []string
	Data []byte
	TLS  bool
	User string
}

// testSMTP is a real SMTP server (emersion/go-smtp) on a loopback port, with
// scripted refusals and connection drops.
type testSMTP struct {
	t    testing.TB
	addr string
	user string
	pass string
	tls  *tls.Config
	// implicitTLS serves TLS from the first byte (smtps).
	implicitTLS bool

	mu   sync.Mutex
	msgs []received
	// dataReplies are the replies to the next DATA commands, in order
	// (0 accepts); each is used once.
	dataReplies []int
	// dropAfterData stores the next n messages and then closes the
	// connection without a reply, as a crash or a cut line would.
	dropAfterData int
	// onMail runs at each MAIL FROM; afterData after a message was
	// stored, before the reply.
	onMail, afterData func()
	// hung makes the server accept TCP and say nothing, as a mail server
	// that hangs, until answer is called.
	hung bool
	gate *gate

	srv *smtp.Server
	ln  net.Listener
}

func startSMTP(t testing.TB, configure func(*testSMTP)) *testSMTP {
	t.Helper()
	s := &testSMTP{t: t, addr: "127.0.0.1:0"}
	if configure != nil {
		configure(s)
	}
	s.start()
	t.Cleanup(s.stop)
	return s
}

func (s *testSMTP) start() {
	s.t.Helper()
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &testSession{srv: s, conn: c}, nil
	}))
	srv.Domain = "localhost"
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.TLSConfig = s.tls
	var ln net.Listener
	var err error
	for range 50 { // the port of a stopped server may take a moment to free
		if s.implicitTLS {
			ln, err = tls.Listen("tcp", s.addr, s.tls)
		} else {
			ln, err = net.Listen("tcp", s.addr)
		}
		if err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatalf("smtp listen %s: %v", s.addr, err)
	}
	s.addr = ln.Addr().String()
	if s.hung {
		s.gate = newGate(ln)
		ln = s.gate
	}
	s.mu.Lock()
	s.srv, s.ln = srv, ln
	s.mu.Unlock()
	go srv.Serve(ln)
}

// answer ends a hung server's silence: the connections it holds get their
// greeting, and so do new ones.
func (s *testSMTP) answer() { s.gate.open() }

// gate is a listener that accepts connections at once but hands them to the
// SMTP server only when opened; until then the client hears nothing.
type gate struct {
	net.Listener
	conns  chan net.Conn
	opened chan struct{}
	once   sync.Once

	mu   sync.Mutex
	held []net.Conn
}

func newGate(ln net.Listener) *gate {
	g := &gate{Listener: ln, conns: make(chan net.Conn, 64), opened: make(chan struct{})}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				close(g.conns)
				return
			}
			g.mu.Lock()
			g.held = append(g.held, c)
			g.mu.Unlock()
			g.conns <- c
		}
	}()
	return g
}

func (g *gate) Accept() (net.Conn, error) {
	<-g.opened
	c, ok := <-g.conns
	if !ok {
		return nil, net.ErrClosed
	}
	return c, nil
}

func (g *gate) open() { g.once.Do(func() { close(g.opened) }) }

// Close also releases an Accept waiting for the gate and hangs up on the
// connections it held.
func (g *gate) Close() error {
	g.open()
	err := g.Listener.Close()
	for _, c := range g.accepted() {
		c.Close()
	}
	return err
}

// accepted returns the connections accepted so far, answered or not.
func (g *gate) accepted() []net.Conn {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]net.Conn(nil), g.held...)
}

// waitAccepted waits until n connections came in.
func (g *gate) waitAccepted(t testing.TB, n int) []net.Conn {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if cs := g.accepted(); len(cs) >= n {
			return cs
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d connections to the mail server after 10s, want %d", len(g.accepted()), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// stop closes the server: connections are refused until start.
func (s *testSMTP) stop() {
	s.mu.Lock()
	srv, ln := s.srv, s.ln
	s.srv, s.ln = nil, nil
	s.mu.Unlock()
	if srv != nil {
		srv.Close()
		ln.Close() // Serve may not have registered it yet
	}
}

func (s *testSMTP) url() string {
	scheme := "smtp://"
	if s.implicitTLS {
		scheme = "smtps://"
	}
	if s.user != "" {
		return scheme + s.user + ":" + s.pass + "@" + s.addr
	}
	return scheme + s.addr
}

func (s *testSMTP) messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.msgs...)
}

type testSession struct {
	srv  *testSMTP
	conn *smtp.Conn
	user string
	from string
	to   []string
}

func (ss *testSession) AuthMechanisms() []string {
	if ss.srv.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *testSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != ss.srv.user || pass != ss.srv.pass {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad credentials"}
		}
		ss.user = user
		return nil
	}), nil
}

func (ss *testSession) Mail(from string, _ *smtp.MailOptions) error {
	if ss.srv.user != "" && ss.user == "" {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "authentication required"}
	}
	ss.srv.mu.Lock()
	onMail := ss.srv.onMail
	ss.srv.mu.Unlock()
	if onMail != nil {
		onMail()
	}
	ss.from = from
	return nil
}

func (ss *testSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *testSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s := ss.srv
	s.mu.Lock()
	reply := 0
	if len(s.dataReplies) > 0 {
		reply, s.dataReplies = s.dataReplies[0], s.dataReplies[1:]
	}
	drop := s.dropAfterData > 0
	if reply == 0 {
		_, isTLS := ss.conn.TLSConnectionState()
		s.msgs = append(s.msgs, received{From: ss.from, To: ss.to, Data: data, TLS: isTLS, User: ss.user})
		if drop {
			s.dropAfterData--
		}
	}
	afterData := s.afterData
	s.mu.Unlock()
	if reply == 0 && afterData != nil {
		afterData()
	}
	if reply != 0 {
		return &smtp.SMTPError{Code: reply, EnhancedCode: smtp.EnhancedCode{reply / 100, 0, 0}, Message: "scripted refusal"}
	}
	if drop {
		ss.conn.Close()
		return errors.New("dropped")
	}
	return nil
}

func (ss *testSession) Reset()        { ss.from, ss.to = "", nil }
func (ss *testSession) Logout() error { return nil }

// selfSigned returns a server TLS config for 127.0.0.1 and a client config
// that trusts it.
func selfSigned(t testing.TB) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "villi test smtp"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		&tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
}
