package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"villi/account"
	"villi/store"
)

const userUsage = `add [--admin] EMAIL | passwd EMAIL | list | remove EMAIL

  add      create a login; the password is prompted (not echoed) on a
           terminal, or read from the first line of stdin:
             printf '%s\n' "$PW" | villi user add ada@example.org
  passwd   set a new password (ends the user's sessions)
  list     list logins
  remove   delete a login and its sessions (its collections stay)`

func runUser(ctx context.Context, e Env, args []string) error {
	fs, cfg := newFlags(e, lookup("user"))
	admin := fs.Bool("admin", false, "user add: make the user an administrator")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		return fmt.Errorf("%w: name an action: add, passwd, list or remove", errUsage)
	}
	action, rest := rest[0], rest[1:]
	wantArgs := map[string]int{"add": 1, "passwd": 1, "remove": 1, "list": 0}
	n, ok := wantArgs[action]
	switch {
	case !ok:
		return fmt.Errorf("%w: unknown action %q (add, passwd, list or remove)", errUsage, action)
	case len(rest) != n && n == 1:
		return fmt.Errorf("%w: user %s takes one EMAIL", errUsage, action)
	case len(rest) != n:
		return fmt.Errorf("%w: user %s takes no arguments", errUsage, action)
	case *admin && action != "add":
		return fmt.Errorf("%w: --admin goes with user add", errUsage)
	}

	// Read the password before opening the library: a prompt must not hold
	// the data directory's lock while someone types.
	var password string
	if action == "add" || action == "passwd" {
		if password, err = readPassword(e, rest[0]); err != nil {
			return err
		}
		if err := account.CheckPassword(rest[0], password); err != nil {
			return err
		}
	}

	// While serve runs, serve does it (through its control socket).
	m, done, err := cfg.maintain(ctx)
	if err != nil {
		return err
	}
	defer done()
	switch action {
	case "add":
		u, err := m.AddUser(ctx, rest[0], password, *admin)
		if errors.Is(err, store.ErrExists) {
			return fmt.Errorf("%w; use `villi user passwd %s` to change the password", err, store.NormalizeEmail(rest[0]))
		}
		if err != nil {
			return err
		}
		role := "user"
		if u.Admin {
			role = "administrator"
		}
		fmt.Fprintf(e.Stdout, "added %s %s\n", role, u.Email)
	case "passwd":
		if err := m.SetPassword(ctx, rest[0], password); err != nil {
			return err
		}
		fmt.Fprintf(e.Stdout, "password changed for %s; their sessions were ended\n", store.NormalizeEmail(rest[0]))
	case "remove":
		email := store.NormalizeEmail(rest[0])
		kept, err := m.RemoveUser(ctx, email)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.Stdout, "removed %s", email)
		if kept > 0 {
			fmt.Fprintf(e.Stdout, "; %s kept", plural(kept, "collection"))
		}
		fmt.Fprintln(e.Stdout)
	case "list":
		return listUsers(ctx, e, m)
	}
	return nil
}

func listUsers(ctx context.Context, e Env, m maintainer) error {
	users, err := m.Users(ctx)
	if err != nil {
		return err
	}
	if len(users) == 0 {
		fmt.Fprintln(e.Stdout, "no users; add one with `villi user add EMAIL`")
		return nil
	}
	tw := tabwriter.NewWriter(e.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "EMAIL\tROLE\tCREATED\tCOLLECTIONS")
	for _, u := range users {
		role := "user"
		if u.Admin {
			role = "admin"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\n", u.Email, role, u.Created.Format("2006-01-02"), u.Collections)
	}
	return tw.Flush()
}

// maxPasswordInput bounds what is read from stdin for a password.
const maxPasswordInput = 4096

// readPassword prompts twice without echo on a terminal, or reads the first
// line of stdin (a pipe, a file). The password is never printed.
func readPassword(e Env, email string) (string, error) {
	if f, ok := e.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprintf(e.Stderr, "Password for %s (at least %d characters): ", store.NormalizeEmail(email), account.MinPasswordChars)
		first, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.Stderr)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		fmt.Fprint(e.Stderr, "Repeat password: ")
		second, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.Stderr)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		if string(first) != string(second) {
			return "", errors.New("the two passwords differ; nothing changed")
		}
		return string(first), nil
	}
	line, err := bufio.NewReader(io.LimitReader(e.Stdin, maxPasswordInput)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password: type it at the prompt, or pipe it on stdin (first line)")
	}
	return line, nil
}
