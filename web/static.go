package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"time"
)

// assets holds the templates and static files; embed.FS is read-only.
//
//go:embed templates static
var assets embed.FS

// staticFiles serves the embedded CSS, JavaScript and icons from memory.
// Pages link them with a content hash (?v=...), so a link to the current
// version may be cached forever and a new release is fetched at once.
type staticFiles struct {
	files map[string]staticFile
}

type staticFile struct {
	data  []byte
	ctype string
	hash  string
}

func newStaticFiles(fsys fs.FS) (*staticFiles, error) {
	sf := &staticFiles{files: map[string]staticFile{}}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		ctype := mime.TypeByExtension(path.Ext(p))
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		sf.files[p] = staticFile{data: data, ctype: ctype, hash: hex.EncodeToString(sum[:6])}
		return nil
	})
	return sf, err
}

// url returns the versioned URL of a static file, or an error for a name
// that is not embedded (templates call it, so execution fails visibly).
func (sf *staticFiles) url(name string) (string, error) {
	f, ok := sf.files[name]
	if !ok {
		return "", &fs.PathError{Op: "static", Path: name, Err: fs.ErrNotExist}
	}
	return "/static/" + name + "?v=" + f.hash, nil
}

func (sf *staticFiles) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	f, ok := sf.files[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", f.ctype)
	if r.URL.Query().Get("v") == f.hash {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	w.Header().Set("ETag", `"`+f.hash+`"`)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.data))
}
