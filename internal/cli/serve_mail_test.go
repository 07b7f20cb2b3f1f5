package cli

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// hungSMTP accepts TCP connections and never says a word, as a mail server
// that hangs; it keeps them so the test can see when villi hangs up.
type hungSMTP struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func startHungSMTP(t *testing.T) *hungSMTP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &hungSMTP{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			h.mu.Lock()
			h.conns = append(h.conns, c)
			h.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		for _, c := range h.accepted() {
			c.Close()
		}
	})
	return h
}

func (h *hungSMTP) accepted() []net.Conn {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]net.Conn(nil), h.conns...)
}

// A sign-up against a mail server that accepts and never answers gets its
// page at once (it took two 30 s attempts before, past the write timeout),
// and serve still stops within its shutdown bound, hanging up on the server.
func TestServe_HungMailServerHoldsNeitherTheSignUpNorTheShutdown(t *testing.T) {
	smtpd := startHungSMTP(t)
	base, logs, cancel, wait := startServe(t, t.TempDir(), map[string]string{
		"VILLI_PUBLIC":    "true",
		"VILLI_BASE_URL":  "https://villi.example.org",
		"VILLI_SMTP_URL":  "smtp://" + smtpd.ln.Addr().String(),
		"VILLI_MAIL_FROM": "villi <digest@villi.example.org>",
	})

	// A tenth of the server's write timeout: the page must not wait on mail.
	client := &http.Client{Timeout: writeTimeout / 10}
	req, err := http.NewRequest("POST", base+"/subscribe", strings.NewReader(url.Values{"email": {"reader@example.org"}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("POST /subscribe with a hung mail server: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Check your inbox") || !strings.Contains(string(body), "is on its way") {
		t.Fatalf("POST /subscribe: status %d, want 200 with the check-your-inbox page:\n%s", resp.StatusCode, body)
	}

	// The mail is being sent: villi has connected and waits for a greeting.
	deadline := time.Now().Add(10 * time.Second)
	for len(smtpd.accepted()) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("villi never connected to the mail server:\n%s", logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}

	cancel()
	if code := wait(); code != 0 {
		t.Fatalf("serve exit %d:\n%s", code, logs.String())
	}
	c := smtpd.accepted()[0]
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Errorf("the mail server's side after serve stopped: %v, want EOF (villi hung up)", err)
	}
	if !strings.Contains(logs.String(), "confirmation mail not sent: villi is shutting down") {
		t.Errorf("the unsent confirmation is not logged:\n%s", logs.String())
	}
}
