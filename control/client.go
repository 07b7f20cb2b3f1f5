package control

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"villi/crawler"
	"villi/store"
)

// dialTimeout bounds connecting to the socket; a live serve accepts at once.
const dialTimeout = 2 * time.Second

// Client runs the maintenance operations in the serve process that owns a
// data directory. Its methods match Service's.
type Client struct {
	path string
	hc   *http.Client
}

// Dial connects to the serve running on data directory dir. No socket, or
// one nobody listens on (a killed serve's), is ErrNotRunning; a socket the
// caller may not use (another user's serve) is another error.
func Dial(ctx context.Context, dir string) (*Client, error) {
	path := SocketPath(dir)
	d := net.Dialer{Timeout: dialTimeout}
	conn, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		if errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM) {
			return nil, fmt.Errorf("villi serve's control socket %s: %w (run villi as the user serve runs as)", path, err)
		}
		return nil, fmt.Errorf("%w (%v)", ErrNotRunning, err)
	}
	conn.Close()
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return d.DialContext(ctx, "unix", path)
		},
	}
	return &Client{path: path, hc: &http.Client{Transport: tr}}, nil
}

// Close releases the client's idle connections.
func (c *Client) Close() error {
	c.hc.CloseIdleConnections()
	return nil
}

// Backup has serve write a consistent copy of its store to path (relative
// to this process's working directory). Serve writes the file, so the copy
// must then be visible here too: a serve with a file system of its own (a
// container, systemd's PrivateTmp) wrote it somewhere this process cannot
// see, and that is an error rather than a success nobody can find.
func (c *Client) Backup(ctx context.Context, path string) (int64, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	var resp backupResponse
	if err := c.call(ctx, pathBackup, backupRequest{Path: abs}, &resp); err != nil {
		return 0, err
	}
	fi, err := os.Stat(abs)
	if err != nil || fi.Size() != resp.Bytes {
		return 0, fmt.Errorf("villi serve wrote the backup (%d bytes) to %s, but this process does not find it there: "+
			"serve sees another file system (a container? systemd PrivateTmp?); name a path both share", resp.Bytes, abs)
	}
	return resp.Bytes, nil
}

// AddUser creates a login; an existing one is an error wrapping
// store.ErrExists.
func (c *Client) AddUser(ctx context.Context, email, password string, admin bool) (User, error) {
	var u User
	err := c.call(ctx, pathUserAdd, userRequest{Email: email, Password: password, Admin: admin}, &u)
	return u, err
}

// SetPassword gives a login a new password and ends its sessions.
func (c *Client) SetPassword(ctx context.Context, email, password string) error {
	return c.call(ctx, pathUserPasswd, userRequest{Email: email, Password: password}, nil)
}

// RemoveUser deletes a login and its sessions, and returns how many of its
// collections stay.
func (c *Client) RemoveUser(ctx context.Context, email string) (int, error) {
	var resp removeResponse
	err := c.call(ctx, pathUserRemove, userRequest{Email: email}, &resp)
	return resp.CollectionsKept, err
}

// Users lists every login, ordered by email, with its collection count.
func (c *Client) Users(ctx context.Context) ([]User, error) {
	var users []User
	err := c.call(ctx, pathUsers, struct{}{}, &users)
	return users, err
}

// Fetch has serve fetch the records ids name from PubMed, through its own
// crawler (its E-utilities settings and rate limit).
func (c *Client) Fetch(ctx context.Context, ids []string) (crawler.FetchReport, error) {
	var rep crawler.FetchReport
	err := c.call(ctx, pathFetch, fetchRequest{IDs: ids}, &rep)
	return rep, err
}

// remoteError is an error serve answered; it wraps the store sentinel its
// status stands for, so callers test it as they would a local one.
type remoteError struct {
	msg  string
	kind error
}

func (e *remoteError) Error() string { return e.msg }
func (e *remoteError) Unwrap() error { return e.kind }

func (c *Client) call(ctx context.Context, path string, req, out any) error {
	body, err := json.Marshal(req)
	if err != nil {
		return err
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://villi"+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	hr.Header.Set("Content-Type", "application/json")
	resp, err := c.hc.Do(hr)
	if err != nil {
		return fmt.Errorf("villi serve's control socket %s: %w", c.path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("villi serve's control socket %s: %w", c.path, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e errorResponse
		if json.Unmarshal(b, &e) != nil || e.Error == "" {
			e.Error = fmt.Sprintf("villi serve answered %s", resp.Status)
		}
		re := &remoteError{msg: e.Error}
		switch resp.StatusCode {
		case http.StatusConflict:
			re.kind = store.ErrExists
		case http.StatusNotFound:
			re.kind = store.ErrNotFound
		}
		return re
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("villi serve's answer: %w", err)
	}
	return nil
}
