package index

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"github.com/blevesearch/bleve/v2/mapping"
	bolt "go.etcd.io/bbolt"
)

// Verification of an index on disk.
//
// Bleve trusts its files: a segment with flipped bytes is mapped and read
// as it is, and a search over it panics with "slice bounds out of range"
// on every restart; garbage in root.bolt makes bbolt panic and kill the
// process; a missing segment or an empty root.bolt is reported as
// "error parsing mapping JSON", because scorch silently skips the
// snapshots it cannot load and is then left without its mapping. Verify
// reads the index the way scorch will, before scorch does, and names the
// first file that is wrong.
//
// What it checks, in the order scorch reads it:
//   - index_meta.json is JSON naming an index type;
//   - store/root.bolt is a bbolt file whose pages are consistent (bbolt's
//     own tx.Check), holding at least one snapshot;
//   - the newest snapshot (the one scorch would open: an older one would
//     silently lose the writes since) has its segment metadata and its
//     mapping, and the mapping decodes;
//   - every segment file that snapshot names exists and matches the
//     CRC-32 (IEEE) that zap writes into the last 4 bytes of its footer,
//     computed over every byte before it. Zap (v11 to v17) never checks
//     that CRC itself. Segment files that no snapshot names (merged away,
//     not yet removed) are not read: scorch deletes them.

// ErrCorrupt means a file of the index is damaged or missing; the error
// is a *CorruptError naming the file.
var ErrCorrupt = errors.New("the index is corrupt")

// CorruptError says which file of an index is damaged and how.
type CorruptError struct {
	File    string // path of the damaged or missing file
	Problem string // what is wrong with it
	Err     error  // the underlying error, if any
}

// Remedy is what an operator can do about a corrupt index: said with
// every CorruptError.
const Remedy = "restore a backup into a new data directory (zhsearch restore --data NEWDIR BACKUP) " +
	"or import the articles again (zhsearch import --data NEWDIR FILE...), then serve --data NEWDIR"

func (e *CorruptError) Error() string {
	return fmt.Sprintf("the index is corrupt: %s: %s; %s", e.File, e.Problem, Remedy)
}

// Is makes errors.Is(err, ErrCorrupt) true.
func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }

func (e *CorruptError) Unwrap() error { return e.Err }

func corrupt(file, problem string, err error) error {
	if err != nil {
		problem += ": " + err.Error()
	}
	return &CorruptError{File: file, Problem: problem, Err: err}
}

// Keys of scorch's root.bolt (bleve/v2/util/keys.go): snapshots live in
// bucket "s" under their epoch; in a snapshot, "m" holds the segment
// type, version and file writer id, "i" the internal values (the
// mapping among them), and every other key is a segment, whose "p" is
// the segment file's name.
var (
	boltSnapshots     = []byte{'s'}
	boltMeta          = []byte{'m'}
	boltInternal      = []byte{'i'}
	boltPath          = []byte{'p'}
	boltSegType       = []byte("type")
	boltFileWriterID  = []byte("fileWriterID")
	mappingInternalID = []byte("_mapping")
)

// verifyLockTimeout bounds the wait for root.bolt's lock: a server that
// holds the index keeps it.
const verifyLockTimeout = 2 * time.Second

// Verify checks the index directory at path: its metadata, root file,
// mapping and every segment file of its newest snapshot. It returns nil
// for a sound index, an error matching ErrCorrupt (a *CorruptError) for a
// damaged one, ErrLocked when another process holds the index, and other
// errors (wrapped) when a file cannot be read at all.
func Verify(path string) error {
	meta := filepath.Join(path, "index_meta.json")
	raw, err := os.ReadFile(meta)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return corrupt(meta, "missing (is this an index directory?)", nil)
	case err != nil:
		return fmt.Errorf("reading %s: %w", meta, err)
	}
	var im struct {
		Storage   string `json:"storage"`
		IndexType string `json:"index_type"`
	}
	if err := json.Unmarshal(raw, &im); err != nil {
		return corrupt(meta, "not valid JSON", err)
	}
	if im.IndexType != "" && im.IndexType != "scorch" {
		return fmt.Errorf("%s: index type %q: %w", meta, im.IndexType, errUnsupportedIndex)
	}
	store := filepath.Join(path, "store")
	segments, err := readRoot(filepath.Join(store, "root.bolt"))
	if err != nil {
		return err
	}
	for _, s := range segments {
		if err := verifySegment(filepath.Join(store, filepath.Base(s))); err != nil {
			return err
		}
	}
	return nil
}

var errUnsupportedIndex = errors.New("only scorch indexes are verified")

// readRoot checks scorch's root file and returns the names of the segment
// files of its newest snapshot.
func readRoot(root string) (segments []string, err error) {
	st, err := os.Stat(root)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, corrupt(root, "missing", nil)
	case err != nil:
		return nil, fmt.Errorf("reading %s: %w", root, err)
	case st.Size() == 0:
		return nil, corrupt(root, "empty (0 bytes)", nil)
	}
	// bbolt trusts its pages: a damaged one makes it panic, or read past
	// its map and fault, rather than return an error. Both, turned into
	// panics here (SetPanicOnFault), are a verdict on the file. Every read
	// of root.bolt therefore stays on this goroutine: bbolt's tx.Check
	// walks the file on a goroutine of its own, where a panic cannot be
	// recovered, so the walk below is done here instead.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if p := recover(); p != nil {
			segments, err = nil, corrupt(root, "unreadable", fmt.Errorf("%v", p))
		}
	}()
	db, err := bolt.Open(root, 0o600, &bolt.Options{
		ReadOnly: true, Timeout: verifyLockTimeout,
		PreLoadFreelist: true, // read the free list here too: scorch loads it when it opens the file
	})
	if err != nil {
		if errors.Is(err, bolt.ErrTimeout) {
			return nil, fmt.Errorf("%s: %w", root, ErrLocked)
		}
		return nil, corrupt(root, "not a valid root file", err)
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		if err := walkBolt(tx.Cursor(), 0); err != nil {
			return corrupt(root, "inconsistent", err)
		}
		snaps := tx.Bucket(boltSnapshots)
		if snaps == nil {
			return corrupt(root, "holds no snapshot of the index", nil)
		}
		k, _ := snaps.Cursor().Last()
		if k == nil {
			return corrupt(root, "holds no snapshot of the index", nil)
		}
		snap := snaps.Bucket(k)
		if snap == nil {
			return corrupt(root, fmt.Sprintf("the newest snapshot (%x) is not a bucket", k), nil)
		}
		m := snap.Bucket(boltMeta)
		if m == nil || len(m.Get(boltSegType)) == 0 {
			return corrupt(root, "the newest snapshot has no segment metadata", nil)
		}
		if id := m.Get(boltFileWriterID); len(id) > 0 {
			return fmt.Errorf("%s: written through file callbacks %q: %w", root, id, errUnsupportedIndex)
		}
		in := snap.Bucket(boltInternal)
		if in == nil {
			return corrupt(root, "the newest snapshot has no mapping", nil)
		}
		mj := in.Get(mappingInternalID)
		if len(mj) == 0 {
			return corrupt(root, "the newest snapshot has no mapping", nil)
		}
		var im mapping.IndexMappingImpl
		if err := json.Unmarshal(mj, &im); err != nil {
			return corrupt(root, "the mapping does not decode", err)
		}
		return snap.ForEachBucket(func(k []byte) error {
			if bytes.Equal(k, boltMeta) || bytes.Equal(k, boltInternal) {
				return nil
			}
			p := snap.Bucket(k).Get(boltPath)
			if len(p) == 0 {
				return corrupt(root, fmt.Sprintf("segment %x has no file name", k), nil)
			}
			segments = append(segments, string(p))
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return segments, nil
}

// maxBoltDepth bounds walkBolt's recursion: scorch nests buckets three
// deep; a damaged page could make a cycle.
const maxBoltDepth = 8

// walkBolt reads every key and value under c, descending into buckets,
// so that every page reachable in the file is read here, where a fault is
// caught: each value's bytes are touched (a value may span overflow
// pages), not only its header.
func walkBolt(c *bolt.Cursor, depth int) error {
	if depth > maxBoltDepth {
		return errors.New("buckets nested too deep")
	}
	var touch byte
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if v != nil {
			for _, x := range v {
				touch ^= x
			}
			continue
		}
		child := c.Bucket().Bucket(k)
		if child == nil {
			return fmt.Errorf("key %x: neither a value nor a bucket", k)
		}
		if err := walkBolt(child.Cursor(), depth+1); err != nil {
			return err
		}
	}
	_ = touch
	return nil
}

// Zap's footer ends with a 32-bit version, then the CRC-32 of every byte
// before the CRC (zapx v11-v17 write.go, persistFooter); the smallest
// footer (v11-v15) is 36 bytes.
const (
	zapMinFooter  = 36
	zapMinVersion = 11
	zapMaxVersion = 17
)

// verifySegment checks a zap segment file against its footer's CRC.
func verifySegment(path string) error {
	f, err := os.Open(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return corrupt(path, "missing: the index's root file names it", nil)
	case err != nil:
		return fmt.Errorf("reading %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	size := st.Size()
	if size < zapMinFooter {
		return corrupt(path, fmt.Sprintf("truncated: %d bytes, shorter than a segment footer", size), nil)
	}
	var tail [8]byte
	if _, err := f.ReadAt(tail[:], size-8); err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	version := binary.BigEndian.Uint32(tail[:4])
	want := binary.BigEndian.Uint32(tail[4:])
	if version < zapMinVersion || version > zapMaxVersion {
		return corrupt(path, fmt.Sprintf("footer names segment version %d (truncated or overwritten?)", version), nil)
	}
	h := crc32.NewIEEE()
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, size-4)); err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	if got := h.Sum32(); got != want {
		return corrupt(path, fmt.Sprintf("checksum mismatch (footer CRC %08x, contents %08x)", want, got), nil)
	}
	return nil
}
