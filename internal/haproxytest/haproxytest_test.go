package haproxytest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// recorder stands for the testing.TB a test passes: it records how
// Binary and Missing end the test instead of ending this one.
type recorder struct {
	testing.TB
	fatal, skip string
}

func (r *recorder) Helper()                   {}
func (r *recorder) Fatalf(f string, a ...any) { r.fatal = fmt.Sprintf(f, a...) }
func (r *recorder) Skip(a ...any)             { r.skip = fmt.Sprint(a...) }
func (r *recorder) ended() (fatal, skip bool) { return r.fatal != "", r.skip != "" }
func (r *recorder) String() string            { return fmt.Sprintf("fatal %q, skip %q", r.fatal, r.skip) }

func TestBinaryNamed(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "haproxy")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(dir, "plain")
	if err := os.WriteFile(plain, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path, ci string
		fatal          bool
	}{
		{name: "there", path: exe},
		{name: "there, under CI", path: exe, ci: "true"},
		// A named binary that is not there is a broken setup, CI or not.
		{name: "missing", path: filepath.Join(dir, "none"), fatal: true},
		{name: "a directory", path: dir, fatal: true},
		{name: "not executable", path: plain, fatal: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(EnvVar, tc.path)
			t.Setenv("CI", tc.ci)
			r := &recorder{TB: t}
			got := Binary(r)
			fatal, skip := r.ended()
			if fatal != tc.fatal || skip {
				t.Fatalf("%s, want fatal %v and no skip", r, tc.fatal)
			}
			if want := map[bool]string{false: tc.path}[tc.fatal]; got != want {
				t.Errorf("binary %q, want %q", got, want)
			}
		})
	}
}

func TestMissing(t *testing.T) {
	for _, tc := range []struct {
		ci    string
		fatal bool
	}{{"", false}, {"false", false}, {"0", false}, {"not-a-bool", false}, {"true", true}, {"1", true}, {"TRUE", true}} {
		t.Run("CI="+tc.ci, func(t *testing.T) {
			t.Setenv("CI", tc.ci)
			if Required() != tc.fatal {
				t.Errorf("Required() = %v, want %v", !tc.fatal, tc.fatal)
			}
			r := &recorder{TB: t}
			Missing(r, "no haproxy")
			if fatal, skip := r.ended(); fatal != tc.fatal || skip == tc.fatal {
				t.Errorf("%s, want fatal %v, else a skip", r, tc.fatal)
			}
		})
	}
}
