package bench

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// Doc is the part of a corpus article the protocol needs.
type Doc struct {
	ID         string   `json:"id"`
	Title      string   `json:"title"`
	Paragraphs []string `json:"paragraphs"`
}

// Corpus is the first N articles of a corpus file.
type Corpus struct {
	Path string
	Docs []Doc
	// TextBytes is the UTF-8 size of the titles and paragraphs: the
	// "MB of text" that MB/s figures divide.
	TextBytes int64
}

// ReadCorpus reads up to n articles (all when n <= 0) of a JSONL file,
// gzipped when its name ends in .gz, one article a line in the schema of
// ../shared/data/SOURCES.md. When subset is not nil, the lines read are
// copied to it verbatim, so that exactly these articles can be imported.
// Errors name the file and line.
func ReadCorpus(path string, n int, subset io.Writer) (*Corpus, error) {
	return readCorpus(path, n, func(b []byte) error {
		if subset == nil {
			return nil
		}
		if _, err := subset.Write(b); err != nil {
			return fmt.Errorf("writing corpus subset: %w", err)
		}
		return nil
	})
}

// ReadCorpusLines is ReadCorpus that also returns each article's line as
// read (ending in a newline), for the modes that write articles of their
// own from the corpus (growth, publish).
func ReadCorpusLines(path string, n int) (*Corpus, [][]byte, error) {
	var lines [][]byte
	c, err := readCorpus(path, n, func(b []byte) error {
		lines = append(lines, b)
		return nil
	})
	return c, lines, err
}

// readCorpus reads the corpus and passes each article's line, ending in a
// newline, to line (which may keep it).
func readCorpus(path string, n int, line func([]byte) error) (*Corpus, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("corpus: %w", err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("corpus %s: %w", path, err)
		}
		defer gz.Close()
		r = gz
	}
	c := &Corpus{Path: path}
	br := bufio.NewReaderSize(r, 1<<20)
	for ln := 1; n <= 0 || len(c.Docs) < n; ln++ {
		b, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(b)) > 0 {
			var d Doc
			if jerr := json.Unmarshal(b, &d); jerr != nil {
				return nil, fmt.Errorf("corpus %s:%d: %w", path, ln, jerr)
			}
			if d.ID == "" || len(d.Paragraphs) == 0 {
				return nil, fmt.Errorf("corpus %s:%d: article without id or paragraphs", path, ln)
			}
			c.Docs = append(c.Docs, d)
			c.TextBytes += d.textBytes()
			if b[len(b)-1] != '\n' {
				b = append(b, '\n')
			}
			if lerr := line(b); lerr != nil {
				return nil, lerr
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("corpus %s:%d: %w", path, ln, err)
		}
	}
	if len(c.Docs) == 0 {
		return nil, fmt.Errorf("corpus %s: no articles", path)
	}
	return c, nil
}

// textBytes is the UTF-8 size of the article's title and paragraphs.
func (d *Doc) textBytes() int64 {
	n := int64(len(d.Title))
	for _, p := range d.Paragraphs {
		n += int64(len(p))
	}
	return n
}
