package article

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
)

// Item is one article read from a stream, or the error of one line.
type Item struct {
	Line     int      // 1-based line where the article starts
	Article  *Article // nil when Err is set
	Warnings []string // e.g. unknown fields ignored
	Err      error    // why the line was rejected; wraps ErrInvalid
}

// ReadOptions configure the stream readers.
type ReadOptions struct {
	DecodeOptions
	// MaxArticleBytes bounds one article; 0 means MaxArticleBytes.
	MaxArticleBytes int
}

func (o ReadOptions) max() int {
	if o.MaxArticleBytes <= 0 {
		return MaxArticleBytes
	}
	return o.MaxArticleBytes
}

// decode is the DecodeOptions with the size limit of the reader.
func (o ReadOptions) decode() DecodeOptions {
	d := o.DecodeOptions
	d.MaxBytes = o.max()
	return d
}

// ErrStop may be returned by an Item callback to stop reading early
// without an error.
var ErrStop = errors.New("stop reading")

// ReadNDJSON reads one JSON article a line and calls fn for each non-blank
// line, in order. A bad line gives an Item with Err naming the problem and
// reading goes on with the next line; only an I/O error of r or an error
// returned by fn stops it (ErrStop stops it quietly).
func ReadNDJSON(r io.Reader, opts ReadOptions, fn func(Item) error) error {
	br := bufio.NewReaderSize(r, 256<<10)
	max := opts.max()
	var buf []byte
	for line := 1; ; line++ {
		var (
			tooLong bool
			size    int
			err     error
		)
		buf, tooLong, size, err = readLine(br, buf[:0], max)
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("line %d: %w", line, err)
		}
		eof := errors.Is(err, io.EOF)
		if line == 1 {
			buf = bytes.TrimPrefix(buf, []byte("\ufeff"))
		}
		var it Item
		switch {
		case tooLong:
			it = Item{Line: line, Err: fmt.Errorf("%w: article is %d bytes, over the limit of %d", ErrInvalid, size, max)}
		case len(bytes.TrimSpace(buf)) == 0:
			if eof {
				return nil
			}
			continue
		default:
			a, warn, derr := DecodeJSON(buf, opts.decode())
			it = Item{Line: line, Article: a, Warnings: warn, Err: derr}
		}
		if ferr := fn(it); ferr != nil {
			if errors.Is(ferr, ErrStop) {
				return nil
			}
			return ferr
		}
		if eof {
			return nil
		}
	}
}

// readLine reads up to and without the next '\n' into buf, keeping at most
// max bytes; tooLong reports a longer line (whose size is then counted but
// not kept). err is io.EOF at the end of the input.
func readLine(br *bufio.Reader, buf []byte, max int) (out []byte, tooLong bool, size int, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		size += len(chunk)
		if !tooLong {
			if len(buf)+len(chunk) > max+2 { // +2: the line end
				tooLong = true
				buf = buf[:0]
			} else {
				buf = append(buf, chunk...)
			}
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err != nil && !errors.Is(err, io.EOF):
			return buf, tooLong, size, err
		}
		buf = bytes.TrimRight(buf, "\r\n")
		size -= len(chunk) - len(bytes.TrimRight(chunk, "\r\n"))
		return buf, tooLong, size, err
	}
}

// ReadJSON reads a JSON document: one article object, an array of them,
// or a sequence of objects, and calls fn for each. A value that is not a
// valid article gives an Item with Err and reading goes on; a syntax error
// ends the document (its Item names the line), as JSON cannot be resumed.
func ReadJSON(r io.Reader, opts ReadOptions, fn func(Item) error) error {
	lc := &lineCounter{r: r}
	br := bufio.NewReaderSize(lc, 256<<10)
	// Skip leading space to tell an array from objects; base keeps the
	// decoder's offsets relative to the whole input.
	var (
		base  int64
		first byte
	)
	for {
		b, err := br.ReadByte()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if !isSpace(b) && !(base == 0 && b == 0xEF) {
			first = b
			_ = br.UnreadByte()
			break
		}
		if b == 0xEF { // a UTF-8 byte order mark
			if _, err := br.Discard(2); err != nil {
				return nil
			}
			base += 2
		}
		base++
	}
	dec := json.NewDecoder(br)
	call := func(it Item) (stop bool, err error) {
		if err := fn(it); err != nil {
			if errors.Is(err, ErrStop) {
				return true, nil
			}
			return true, err
		}
		return false, nil
	}
	syntax := func(err error) error {
		line := lc.lineAt(base + dec.InputOffset())
		var se *json.SyntaxError
		switch {
		case errors.As(err, &se):
			line = lc.lineAt(base + se.Offset)
		case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
			line = lc.lineAt(lc.off) // the input ended: name its last line
		}
		_, ferr := call(Item{Line: line, Err: fmt.Errorf("%w: %s", ErrInvalid, jsonMessage(err))})
		return ferr
	}
	inArray := first == '['
	if inArray {
		if _, err := dec.Token(); err != nil {
			return syntax(err)
		}
	}
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			var se *json.SyntaxError
			if errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
				return syntax(err)
			}
			return err
		}
		line := lc.lineAt(base + dec.InputOffset() - int64(len(raw)))
		var it Item
		if len(raw) > opts.max() {
			it = Item{Line: line, Err: fmt.Errorf("%w: article is %d bytes, over the limit of %d", ErrInvalid, len(raw), opts.max())}
		} else {
			a, warn, derr := DecodeJSON(raw, opts.decode())
			it = Item{Line: line, Article: a, Warnings: warn, Err: derr}
		}
		if stop, err := call(it); stop {
			return err
		}
	}
	if inArray {
		if _, err := dec.Token(); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return syntax(err)
		}
		if _, err := dec.Token(); !errors.Is(err, io.EOF) {
			return syntax(errors.New("text after the closing ] of the array"))
		}
	}
	return nil
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\r' || b == '\n' }

// lineCounter remembers where lines start, so that a byte offset of the
// JSON decoder can be named by its line.
type lineCounter struct {
	r        io.Reader
	off      int64
	newlines []int64 // offsets of '\n' bytes
}

func (lc *lineCounter) Read(p []byte) (int, error) {
	n, err := lc.r.Read(p)
	for i, b := range p[:n] {
		if b == '\n' {
			lc.newlines = append(lc.newlines, lc.off+int64(i))
		}
	}
	lc.off += int64(n)
	return n, err
}

// lineAt is the 1-based line of byte offset off.
func (lc *lineCounter) lineAt(off int64) int {
	return sort.Search(len(lc.newlines), func(i int) bool { return lc.newlines[i] >= off }) + 1
}

// Format is a kind of input file.
type Format int

// The input formats.
const (
	FormatUnknown Format = iota
	FormatNDJSON         // .jsonl, .ndjson (optionally .gz)
	FormatJSON           // .json (optionally .gz)
	FormatPage           // .txt, .md: a page converted from print
)

// FormatOf tells a file's format from its name; gzipped reports a .gz
// suffix.
func FormatOf(name string) (f Format, gzipped bool) {
	name = strings.ToLower(name)
	if strings.HasSuffix(name, ".gz") {
		gzipped = true
		name = strings.TrimSuffix(name, ".gz")
	}
	switch filepath.Ext(name) {
	case ".jsonl", ".ndjson":
		return FormatNDJSON, gzipped
	case ".json":
		return FormatJSON, gzipped
	case ".txt", ".md":
		return FormatPage, gzipped
	}
	return FormatUnknown, gzipped
}

// Decompress wraps r in a gzip reader when gzipped.
func Decompress(r io.Reader, gzipped bool) (io.ReadCloser, error) {
	if !gzipped {
		return io.NopCloser(r), nil
	}
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("%w: not gzip data: %v", ErrInvalid, err)
	}
	return zr, nil
}
