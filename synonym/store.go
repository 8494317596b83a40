package synonym

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
)

// FileName is the list's file inside a data directory.
const FileName = "synonyms.txt"

// ErrNotFound is returned by Delete when none of the rules it names is in
// the list.
var ErrNotFound = errors.New("synonym rule not found")

// Store holds the current synonym list: read lock-free by every search
// (Current), replaced whole by writes, and kept in a file of the data
// directory so that it survives restarts. Writes are serialised; each
// writes the new list to the file (atomically: a temporary file, fsync,
// rename) before searches see it, so an answered write is never lost.
type Store struct {
	path     string // "" keeps the list in memory only
	addWords func(ctx context.Context, words []string) error
	mu       sync.Mutex // serialises writes
	cur      atomic.Pointer[Set]
}

// StoreOptions configure OpenStore.
type StoreOptions struct {
	// Dir is the data directory; "" keeps the list in memory.
	Dir string
	// AddWords, when set, is given the words of every list that is loaded
	// or written, before searches see it: the index adds them to its
	// segmentation dictionary so that they stay whole (words it has
	// already are no-ops there).
	AddWords func(ctx context.Context, words []string) error
}

// OpenStore opens the list kept in opt.Dir (an empty list when the file
// does not exist yet). A damaged file is an error naming it and the line.
func OpenStore(ctx context.Context, opt StoreOptions) (*Store, error) {
	st := &Store{addWords: opt.AddWords}
	set := &Set{}
	if opt.Dir != "" {
		st.path = filepath.Join(opt.Dir, FileName)
		f, err := os.Open(st.path)
		switch {
		case errors.Is(err, os.ErrNotExist):
		case err != nil:
			return nil, fmt.Errorf("synonyms: %w", err)
		default:
			rules, err := Parse(f, st.path)
			f.Close()
			if err != nil {
				return nil, err
			}
			if set, err = NewSet(rules); err != nil {
				return nil, fmt.Errorf("%s: %w", st.path, err)
			}
		}
	}
	if err := st.dictionary(ctx, set); err != nil {
		return nil, err
	}
	st.cur.Store(set)
	return st, nil
}

// Current is the list searches use now; never nil.
func (st *Store) Current() *Set { return st.cur.Load() }

// Replace makes rules the whole list (PUT).
func (st *Store) Replace(ctx context.Context, rules []Rule) (*Set, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.commit(ctx, rules)
}

// Add appends the rules not in the list yet (POST) and says how many
// were new.
func (st *Store) Add(ctx context.Context, rules []Rule) (*Set, int, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	old := st.Current()
	all, added := Merge(old, rules)
	if added == 0 {
		return old, 0, nil
	}
	set, err := st.commit(ctx, all)
	return set, added, err
}

// Delete removes the rules named (matched by their written form, after
// folding: `who, 世卫组织` names the rule `WHO, 世卫组织`), or every rule
// with all. Naming no rule in the list is ErrNotFound.
func (st *Store) Delete(ctx context.Context, rules []Rule, all bool) (*Set, int, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	old := st.Current()
	keep, removed, err := Without(old, rules, all)
	if err != nil {
		return old, 0, err
	}
	set, err := st.commit(ctx, keep)
	return set, removed, err
}

// Merge is what Add makes of old: its rules followed by those of rules
// not in it yet, and how many were new. A replicated list (package
// replica) computes its writes with it, as Store does.
func Merge(old *Set, rules []Rule) ([]Rule, int) {
	have := map[string]bool{}
	for _, r := range old.rules {
		have[r.String()] = true
	}
	all := old.Rules()
	added := 0
	for _, r := range rules {
		if k := r.String(); !have[k] {
			have[k] = true
			all = append(all, r)
			added++
		}
	}
	return all, added
}

// Without is what Delete makes of old: its rules but those named (every
// rule with all), and how many were removed; ErrNotFound when rules
// names none of old's.
func Without(old *Set, rules []Rule, all bool) ([]Rule, int, error) {
	if all {
		return nil, old.Len(), nil
	}
	drop := map[string]bool{}
	for _, r := range rules {
		drop[r.String()] = true
	}
	var keep []Rule
	for _, r := range old.rules {
		if !drop[r.String()] {
			keep = append(keep, r)
		}
	}
	removed := old.Len() - len(keep)
	if removed == 0 {
		return nil, 0, ErrNotFound
	}
	return keep, removed, nil
}

// commit builds the Set, writes it down, adds its words to the
// dictionary, then publishes it. st.mu is held.
func (st *Store) commit(ctx context.Context, rules []Rule) (*Set, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	set, err := NewSet(rules)
	if err != nil {
		return nil, err
	}
	if st.path != "" {
		if err := writeFileAtomic(st.path, set); err != nil {
			return nil, fmt.Errorf("saving the synonyms: %w", err)
		}
	}
	if err := st.dictionary(ctx, set); err != nil {
		return nil, err
	}
	st.cur.Store(set)
	return set, nil
}

func (st *Store) dictionary(ctx context.Context, set *Set) error {
	if st.addWords == nil || set.Len() == 0 {
		return nil
	}
	var words []string
	for _, w := range set.Words() {
		if !containsSpace(w) { // a dictionary word has no space; "world health organization" is a phrase
			words = append(words, w)
		}
	}
	if len(words) == 0 {
		return nil
	}
	if err := st.addWords(ctx, words); err != nil {
		return fmt.Errorf("adding the synonyms' words to the dictionary: %w", err)
	}
	return nil
}

func containsSpace(w string) bool {
	for _, r := range w {
		if r == ' ' {
			return true
		}
	}
	return false
}

// writeFileAtomic replaces path with the list: written to a temporary
// file in the same directory, synced, renamed over path, and the directory
// synced, so that a crash leaves the old list or the new, never half.
func writeFileAtomic(path string, set *Set) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+FileName+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if _, err := set.WriteTo(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
