package haproxy

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// change remembers what a path held before a write or removal, so that a failed Reload can put the
// disk back exactly as it was: the disk holds the last files known good, which a crash restart
// reads. (After a reload whose outcome is unknown HAProxy may run newer ones; the router reloads
// again.)
type change struct {
	path    string // relative to ConfigDir
	prev    []byte
	existed bool
}

// undo is the list of changes made by one call, applied in reverse by rollback.
type undo struct {
	changes []change
	files   map[string][]byte // the managed set before the call
}

// WriteFiles writes the files whose content changed, without checking or reloading. It is meant to
// go with runtime-API updates (which are lost on the next reload, so the disk is updated first), for
// content whose structure was already checked by a Reload. It never removes files. restore puts the
// disk back as it was, for a caller whose runtime update then fails: the disk must not hold what
// HAProxy never ran, which a crash restart would load (and a refused reload's rollback would keep).
func (s *Supervisor) WriteFiles(files Files) (restore func(), err error) {
	if err := validatePaths(files); err != nil {
		return func() {}, err
	}
	s.opMu.Lock()
	defer s.opMu.Unlock()
	u, err := s.writeChanged(files)
	if err != nil {
		s.rollback(u)
		return func() {}, err
	}
	return func() {
		s.opMu.Lock()
		defer s.opMu.Unlock()
		s.rollback(u)
	}, nil
}

// apply makes the disk hold exactly files (plus files not written by us): changed and new files are
// written, managed files missing from files are removed. On error the disk is already rolled back.
func (s *Supervisor) apply(files Files) (*undo, error) {
	u, err := s.writeChanged(files)
	if err != nil {
		s.rollback(u)
		return nil, err
	}
	for _, rel := range sortedKeys(s.files) {
		if _, keep := files[rel]; keep {
			continue
		}
		if err := os.Remove(s.abs(rel)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			s.rollback(u)
			return nil, fmt.Errorf("remove %s: %w", rel, err)
		}
		u.changes = append(u.changes, change{path: rel, prev: s.files[rel], existed: true})
		delete(s.files, rel)
	}
	return u, nil
}

// writeChanged writes the files that differ from what we last wrote (or, for files we never wrote,
// from the disk) and records them as managed.
func (s *Supervisor) writeChanged(files Files) (*undo, error) {
	u := &undo{files: copyFiles(s.files)}
	for _, rel := range sortedKeys(files) {
		prev, existed, err := s.current(rel)
		if err != nil {
			return u, err
		}
		if existed && bytes.Equal(prev, files[rel]) {
			s.files[rel] = files[rel]
			continue
		}
		if err := writeAtomic(s.abs(rel), files[rel]); err != nil {
			return u, err
		}
		u.changes = append(u.changes, change{path: rel, prev: prev, existed: existed})
		s.files[rel] = files[rel]
	}
	return u, nil
}

// current is the content a path holds now.
func (s *Supervisor) current(rel string) ([]byte, bool, error) {
	if b, ok := s.files[rel]; ok {
		return b, true, nil
	}
	b, err := os.ReadFile(s.abs(rel))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read %s: %w", rel, err)
	}
	return b, true, nil
}

// rollback restores every path touched by u, newest change first. Errors are logged: there is
// nothing better to do with them, and the caller is already returning the error that caused this.
func (s *Supervisor) rollback(u *undo) {
	if u == nil {
		return
	}
	for i := len(u.changes) - 1; i >= 0; i-- {
		c := u.changes[i]
		var err error
		if c.existed {
			err = writeAtomic(s.abs(c.path), c.prev)
		} else if err = os.Remove(s.abs(c.path)); errors.Is(err, fs.ErrNotExist) {
			err = nil
		}
		if err != nil {
			s.opts.Log.Error(err, "cannot restore file after a failed reload", "file", c.path)
		}
	}
	s.files = u.files
}

func (s *Supervisor) abs(rel string) string {
	return filepath.Join(s.opts.ConfigDir, filepath.FromSlash(rel))
}

// writeAtomic writes through a temporary file in the same directory and renames it, so that HAProxy
// (a check, a reload or a crash restart) never reads a half-written file. No fsync: the files only need
// to survive a process crash, not a machine crash (they are re-rendered at router start).
func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(fileMode(path)); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// fileMode keeps private keys, and haproxy.cfg with its cookie key,
// readable by the owner only.
func fileMode(path string) os.FileMode {
	switch filepath.Ext(path) {
	case ".pem", ".key", ".cfg":
		return 0o600
	}
	return 0o644
}

// validatePaths refuses paths that would escape ConfigDir, so a bad render can never overwrite
// anything else.
func validatePaths(files Files) error {
	for rel := range files {
		clean := filepath.ToSlash(filepath.Clean(filepath.FromSlash(rel)))
		if rel == "" || filepath.IsAbs(rel) || clean != rel || clean == "." ||
			clean == ".." || strings.HasPrefix(clean, "../") {
			return fmt.Errorf("invalid file path %q: must be a clean path relative to the config directory", rel)
		}
	}
	return nil
}

func copyFiles(m map[string][]byte) map[string][]byte {
	c := make(map[string][]byte, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
