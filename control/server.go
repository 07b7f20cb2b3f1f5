package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"villi/account"
	"villi/store"
)

// maxRequestBytes bounds a request body: an email, a password, a path.
const maxRequestBytes = 64 << 10

// Server answers the control socket of one serve.
type Server struct {
	srv    *http.Server
	ln     *listener
	served chan error
}

// Start listens on dir's control socket and serves svc on it until
// Shutdown. The caller must hold the data directory's lock: a socket file
// already there was left by a serve that died, and is replaced.
func Start(dir string, svc *Service, log *slog.Logger) (*Server, error) {
	ln, err := listen(SocketPath(dir))
	if err != nil {
		return nil, err
	}
	s := &Server{
		srv: &http.Server{
			Handler:           handler(svc, log),
			ReadHeaderTimeout: 5 * time.Second,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		},
		ln:     ln,
		served: make(chan error, 1),
	}
	go func() { s.served <- s.srv.Serve(ln) }()
	return s, nil
}

// Addr is the socket's path.
func (s *Server) Addr() string { return s.ln.path }

// Shutdown stops accepting, lets the operations under way finish until ctx
// ends (then cuts them off: a backup's temporary file is removed), and
// removes the socket file.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if err != nil {
		s.srv.Close()
	}
	if serr := <-s.served; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if err != nil {
		return fmt.Errorf("control socket: %w", err)
	}
	return nil
}

// listener is the control socket; Close removes its file.
type listener struct {
	*net.UnixListener
	path string
	fi   os.FileInfo // the socket file as created, to remove only our own
	once sync.Once
}

// listen binds the socket under a private directory, restricts it to its
// owner and only then renames it into place, so nobody else can connect
// in between (a chmod after binding at the final path would leave a window
// whose connections are still accepted later). The rename replaces a stale
// socket of a killed serve.
func listen(path string) (*listener, error) {
	dir := filepath.Dir(path)
	private, err := os.MkdirTemp(dir, ".sock")
	if err != nil {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	defer os.RemoveAll(private)
	staging := filepath.Join(private, "s")
	ul, err := net.ListenUnix("unix", &net.UnixAddr{Name: staging, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("control socket %s: %w", path, err)
	}
	ul.SetUnlinkOnClose(false)
	fail := func(err error) (*listener, error) {
		ul.Close()
		os.Remove(staging)
		return nil, fmt.Errorf("control socket %s: %w", path, err)
	}
	if err := os.Chmod(staging, 0o600); err != nil {
		return fail(err)
	}
	if err := os.Rename(staging, path); err != nil {
		return fail(err)
	}
	fi, err := os.Lstat(path)
	if err != nil {
		return fail(err)
	}
	return &listener{UnixListener: ul, path: path, fi: fi}, nil
}

func (l *listener) Close() error {
	err := l.UnixListener.Close()
	l.once.Do(func() {
		if fi, serr := os.Lstat(l.path); serr == nil && os.SameFile(fi, l.fi) {
			if rerr := os.Remove(l.path); rerr != nil && err == nil {
				err = rerr
			}
		}
	})
	return err
}

// The protocol: POST with a JSON body, a JSON answer; an error is a 4xx or
// 5xx status with {"error": "..."}.
const (
	pathBackup     = "/v1/backup"
	pathUsers      = "/v1/users"
	pathUserAdd    = "/v1/user/add"
	pathUserPasswd = "/v1/user/passwd"
	pathUserRemove = "/v1/user/remove"
	pathFetch      = "/v1/fetch"
)

type fetchRequest struct {
	IDs []string `json:"ids"`
}

type backupRequest struct {
	Path string `json:"path"`
}

type backupResponse struct {
	Bytes int64 `json:"bytes"`
}

type userRequest struct {
	Email    string `json:"email"`
	Password string `json:"password,omitempty"`
	Admin    bool   `json:"admin,omitempty"`
}

type removeResponse struct {
	CollectionsKept int `json:"collections_kept"`
}

type errorResponse struct {
	Error string `json:"error"`
}

func handler(svc *Service, log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+pathBackup, func(w http.ResponseWriter, r *http.Request) {
		var req backupRequest
		if !decode(w, r, &req) {
			return
		}
		// Serve's working directory is not the client's.
		if !filepath.IsAbs(req.Path) {
			writeJSON(w, http.StatusBadRequest, errorResponse{Error: fmt.Sprintf("backup path %q is not absolute", req.Path)})
			return
		}
		n, err := svc.Backup(r.Context(), req.Path)
		reply(w, log.With("path", req.Path, "bytes", n), "backup", backupResponse{Bytes: n}, err)
	})
	mux.HandleFunc("POST "+pathUsers, func(w http.ResponseWriter, r *http.Request) {
		users, err := svc.Users(r.Context())
		reply(w, nil, "user list", users, err)
	})
	mux.HandleFunc("POST "+pathUserAdd, func(w http.ResponseWriter, r *http.Request) {
		var req userRequest
		if !decode(w, r, &req) {
			return
		}
		u, err := svc.AddUser(r.Context(), req.Email, req.Password, req.Admin)
		reply(w, log.With("email", store.NormalizeEmail(req.Email), "admin", req.Admin), "user add", u, err)
	})
	mux.HandleFunc("POST "+pathUserPasswd, func(w http.ResponseWriter, r *http.Request) {
		var req userRequest
		if !decode(w, r, &req) {
			return
		}
		err := svc.SetPassword(r.Context(), req.Email, req.Password)
		reply(w, log.With("email", store.NormalizeEmail(req.Email)), "user passwd", struct{}{}, err)
	})
	mux.HandleFunc("POST "+pathUserRemove, func(w http.ResponseWriter, r *http.Request) {
		var req userRequest
		if !decode(w, r, &req) {
			return
		}
		kept, err := svc.RemoveUser(r.Context(), req.Email)
		reply(w, log.With("email", store.NormalizeEmail(req.Email)), "user remove", removeResponse{CollectionsKept: kept}, err)
	})
	mux.HandleFunc("POST "+pathFetch, func(w http.ResponseWriter, r *http.Request) {
		var req fetchRequest
		if !decode(w, r, &req) {
			return
		}
		rep, err := svc.Fetch(r.Context(), req.IDs)
		reply(w, log.With("ids", len(req.IDs), "missed", rep.Missed(), "run", rep.Run.ID), "fetch", rep, err)
	})
	return mux
}

// decode reads a JSON request body, answering 400 when it is not one.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRequestBytes)).Decode(v)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errorResponse{Error: "bad request body: " + err.Error()})
		return false
	}
	return true
}

// reply answers with v, or with err's status and text. A change (log not
// nil) is logged in serve's log, once, here: who was added, what failed.
// Request bodies are never logged; they carry passwords.
func reply(w http.ResponseWriter, log *slog.Logger, op string, v any, err error) {
	if err != nil {
		if log != nil {
			log.Warn("control: "+op+" failed", "err", err)
		}
		writeJSON(w, status(err), errorResponse{Error: err.Error()})
		return
	}
	if log != nil {
		log.Info("control: " + op)
	}
	writeJSON(w, http.StatusOK, v)
}

func status(err error) int {
	switch {
	case errors.Is(err, store.ErrExists):
		return http.StatusConflict
	case errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, account.ErrPassword), errors.Is(err, account.ErrEmail):
		return http.StatusUnprocessableEntity
	case errors.Is(err, context.Canceled):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}
