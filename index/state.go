package index

import (
	"context"
	"encoding/binary"
	"fmt"
)

// Replicated state beside the articles (package replica).
//
// Some writes of a replication log are not articles but a small value a
// node keeps whole: the synonym list. Like the dictionary, it lives in the
// index's internal store, so that a backup or snapshot carries it and a
// node restored from a peer's snapshot has it; and SetStateAt stores it
// in the same batch as the log sequence that carried it, so after a crash
// the index holds both or neither, as ApplyAt does for articles.

// stateKeyPrefix prefixes the internal-store keys of replicated state.
const stateKeyPrefix = "zhsearch/state/"

// State is the value last stored under key by SetStateAt; nil if none.
func (ix *Index) State(key string) ([]byte, error) {
	raw, err := ix.bi.GetInternal([]byte(stateKeyPrefix + key))
	if err != nil {
		return nil, fmt.Errorf("reading the state %q: %w", key, err)
	}
	return raw, nil
}

// SetStateAt stores value under key and seq as the applied sequence (see
// AppliedSeq), in one batch. value must not be empty: State could not
// tell it from none.
func (ix *Index) SetStateAt(ctx context.Context, seq uint64, key string, value []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(value) == 0 {
		return fmt.Errorf("the state %q: an empty value", key)
	}
	ix.writeMu.Lock()
	defer ix.writeMu.Unlock()
	if ix.closed {
		return ErrClosed
	}
	b := ix.bi.NewBatch()
	b.SetInternal([]byte(stateKeyPrefix+key), value)
	var val [8]byte
	binary.BigEndian.PutUint64(val[:], seq)
	b.SetInternal([]byte(appliedKey), val[:])
	if err := ix.batch(parts{b}); err != nil {
		return fmt.Errorf("writing the state %q at sequence %d: %w", key, seq, err)
	}
	return nil
}
