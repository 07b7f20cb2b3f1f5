package cli

import (
	"context"
	"errors"
	"fmt"

	"villi/account"
	"villi/control"
	"villi/store"
)

// maintainer runs the maintenance that works while serve runs: a
// control.Service on a library this process opened, or a control.Client
// reaching the serve that holds it.
type maintainer interface {
	Backup(ctx context.Context, path string) (int64, error)
	AddUser(ctx context.Context, email, password string, admin bool) (control.User, error)
	SetPassword(ctx context.Context, email, password string) error
	RemoveUser(ctx context.Context, email string) (kept int, err error)
	Users(ctx context.Context) ([]control.User, error)
}

// maintain returns the maintainer for the configured data directory: the
// serve running on it, through its control socket, or else the library
// opened here. The caller calls done.
func (c *config) maintain(ctx context.Context) (m maintainer, done func() error, err error) {
	cl, err := control.Dial(ctx, c.data)
	if err == nil {
		return cl, cl.Close, nil
	}
	if !errors.Is(err, control.ErrNotRunning) {
		return nil, nil, err
	}
	lib, err := c.open(ctx, nil)
	if err != nil {
		return nil, nil, err
	}
	acc, err := account.New(lib.DB(), account.Config{})
	if err != nil {
		lib.Close()
		return nil, nil, err
	}
	return control.NewService(lib, acc), lib.Close, nil
}

// liveCommands is what works beside a running serve, for the refusal of
// everything else.
const liveCommands = "`villi backup`, `villi fetch` and `villi user add|passwd|list|remove`"

// explainLocked adds to err, the data directory's lock refusing command,
// what to do instead when the holder is a serve (its control socket
// answers); a lock held by another command is left as it is.
func (c *config) explainLocked(ctx context.Context, err error) error {
	if !errors.Is(err, store.ErrLocked) {
		return err
	}
	cl, derr := control.Dial(ctx, c.data)
	if derr != nil {
		return err
	}
	cl.Close()
	if c.command == "serve" {
		return fmt.Errorf("%w: a villi serve already runs on this data directory", err)
	}
	instead := "stop serve first"
	switch c.command {
	case "import":
		instead = "upload the files on the admin page (/admin#import) instead, or stop serve first"
	case "retractions":
		instead = "upload the file on the admin page (/admin#retractions) instead, or stop serve first"
	case "search", "show", "cite", "export":
		instead = "the web UI and /api/v1 answer the same while serve runs, or stop serve first"
	}
	return fmt.Errorf("%w: it is villi serve; while serve runs only %s work beside it, so %s", err, liveCommands, instead)
}
