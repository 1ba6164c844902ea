// Package atomicfile writes files so that a reader, a crash or a competing
// writer never sees a partial one: data goes to a temporary file beside the
// target, is synced, and only then appears under the target's name.
//
// WriteNew never replaces a file. It links the finished temporary file to
// the target name, which the kernel refuses when the name exists, so a file
// that appears between a check and the write is never overwritten (the
// Stat-then-rename pattern has that race). Replace renames over the target.
//
// Both leave nothing behind on failure: the temporary file is removed and
// the target is untouched.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrExists is returned by WriteNew when the target already exists.
var ErrExists = errors.New("file already exists")

// SyncFile is (*os.File).Sync. Tests replace it to simulate a failing disk;
// callers must not change it while writes are in flight.
var SyncFile = (*os.File).Sync

// WriteNew creates path with data and mode, refusing to replace an existing
// file (errors.Is(err, ErrExists)).
func WriteNew(path string, data []byte, mode fs.FileMode) error {
	return write(path, data, mode, false)
}

// Replace writes data to path with mode, replacing any file there in one
// rename.
func Replace(path string, data []byte, mode fs.FileMode) error {
	return write(path, data, mode, true)
}

func write(path string, data []byte, mode fs.FileMode, replace bool) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("unable to create %s: %w", path, unwrapPath(err))
	}
	tmpName := tmp.Name()
	defer func() {
		if tmp != nil {
			tmp.Close()
		}
		// After a link the temporary name is a second name for the
		// target; after a rename it is gone. Either way remove it.
		if err != nil || !replace {
			os.Remove(tmpName)
		}
	}()
	if err := tmp.Chmod(mode); err != nil {
		return fmt.Errorf("unable to write %s: %w", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("unable to write %s: %w", path, unwrapPath(err))
	}
	if err := SyncFile(tmp); err != nil {
		return fmt.Errorf("unable to write %s: %w", path, unwrapPath(err))
	}
	err = tmp.Close()
	tmp = nil
	if err != nil {
		return fmt.Errorf("unable to write %s: %w", path, unwrapPath(err))
	}
	if replace {
		err = os.Rename(tmpName, path)
	} else if err = os.Link(tmpName, path); errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s: %w", path, ErrExists)
	}
	if err != nil {
		return fmt.Errorf("unable to write %s: %w", path, unwrapPath(err))
	}
	return syncDir(dir)
}

// syncDir makes a rename or link in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// unwrapPath drops the *PathError's own path (the temporary name), which
// would only confuse the reader; the caller names the target instead.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
