package tokenizer

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"unicode"
	"unicode/utf8"

	"github.com/go-ego/gse"
)

// ErrBadWord reports a dictionary entry that cannot be added.
var ErrBadWord = errors.New("invalid dictionary word")

// Word is one dictionary entry: a word, its frequency and part of speech.
type Word struct {
	Word string  `json:"word"`
	Freq float64 `json:"freq,omitempty"`
	Pos  string  `json:"pos,omitempty"`
}

// DefaultFreq is the frequency given to newsroom words added without one:
// high enough that the segmenter prefers the whole word over its pieces.
const DefaultFreq = 100000

// Segmenter is a gse segmenter that is safe for concurrent use while words
// are added at run time. Segmentation takes a read lock; adding words takes
// the write lock.
type Segmenter struct {
	mu    sync.RWMutex
	gse   gse.Segmenter
	added []Word // words added after the base dictionary, in order
	// newsroom holds the added words: their tags are trusted as names
	// without the base dictionary's noise rules (entities.go).
	newsroom map[string]bool
	// asciiWords are the dictionary's words made of ASCII alone (gse's
	// zh_s has five: AT&T, C#, C++, c#, c++): Analyze leaves a Latin
	// chunk holding one of them to gse's Cut and cuts the others itself
	// (asciiCut). asciiUnknown turns that off: a dictionary gse loaded
	// itself, or too many such words to look for.
	asciiWords   []string
	asciiUnknown bool

	// calcOnce runs gse's CalcToken (the sub-segments and path weights of
	// every word) the first time gse's own Segment needs them: the
	// analyzers use the jieba-style Cut, which needs only frequencies, so
	// the default dictionary is loaded without that second pass.
	calcOnce sync.Once
}

// NewSegmenter loads gse's simplified-Chinese dictionary (zh_s, our
// embedded copy, without gse's CalcToken pass): traditional text is folded
// to simplified before segmentation, so the traditional dictionary is not
// needed. Nothing is read from disk.
//
// zh_s alone was measured against zh_s plus zh_t (see docs/analysis.md's
// Dictionary choice, and BenchmarkLoadDictionary): it loads in about half
// the time and memory, and with folding it scores as well on traditional
// text.
func NewSegmenter() (*Segmenter, error) { return LoadSegmenter(DictSimplified) }

// Embedded gse dictionaries LoadSegmenter accepts.
const (
	DictSimplified = "zh_s"      // simplified Chinese, ~350k words: the default
	DictBoth       = "zh_s,zh_t" // simplified plus traditional, ~590k words
)

// LoadSegmenter loads one of the embedded gse dictionaries (DictSimplified
// or DictBoth); it exists to measure the choice NewSegmenter makes.
func LoadSegmenter(dict string) (*Segmenter, error) {
	s := &Segmenter{}
	s.gse.SkipLog = true
	var err error
	switch dict {
	case DictSimplified:
		err = s.loadWords(zhS)
	case DictBoth: // gse's own embedded copies; empty in a build with gse's `ne` tag
		err = s.gse.LoadDictEmbed("zh")
		s.calcOnce.Do(func() {}) // LoadDictEmbed ran CalcToken
		s.asciiUnknown = true    // not checked: gse loaded the words itself
	default:
		return nil, fmt.Errorf("unknown embedded dictionary %q: use %s or %s", dict, DictSimplified, DictBoth)
	}
	if err != nil {
		return nil, fmt.Errorf("loading embedded gse dictionary %s: %w", dict, err)
	}
	return s, nil
}

// zhS is gse's simplified-Chinese dictionary (`word freq pos` lines),
// gzipped; see internal/gendict.
//
//go:embed dict/zh_s.txt.gz
var zhS []byte

// loadWords loads a gzipped gse dictionary into an empty segmenter the way
// gse's LoadDictStr does (same parsing, same frequency rules through gse's
// Size), but without its final CalcToken pass, which is most of gse's load
// time and which Cut does not use (see calcOnce).
func (s *Segmenter) loadWords(gz []byte) error {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return err
	}
	// gzip's trailer holds the text's length (modulo 4 GiB): read it into
	// a buffer of that size rather than one that grows and copies.
	var buf bytes.Buffer
	if n := len(gz); n >= 4 {
		buf.Grow(int(binary.LittleEndian.Uint32(gz[n-4:])) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(zr); err != nil {
		return err
	}
	text := buf.Bytes()
	s.gse.Dict = gse.NewDict()
	// One token a line: room for all of them at once, instead of the
	// append that copied the growing list of 350,000 tokens (a quarter of
	// the load time: BenchmarkLoadDictionary).
	s.gse.Dict.Tokens = make([]gse.Token, 0, bytes.Count(text, []byte{'\n'})+1)
	s.gse.Init() // frequency defaults and the HMM model
	for len(text) > 0 {
		line := text
		if i := bytes.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			text = nil
		}
		fields, word, freqText, pos := splitLine(strings.TrimSpace(string(line)))
		if word == "" {
			continue
		}
		freq := s.gse.Size(fields, word, freqText)
		if freq == 0 {
			continue
		}
		s.noteASCII(word)
		if err := s.gse.AddToken(word, freq, pos); err != nil {
			return fmt.Errorf("dictionary word %q: %w", word, err)
		}
	}
	return nil
}

// splitLine splits a dictionary line at single spaces as gse does
// (strings.Split(line, " ")) without a slice of its fields: how many there
// are, and the first three (word, frequency, part of speech), "" when
// missing.
func splitLine(line string) (fields int, word, freq, pos string) {
	out := [3]string{}
	for {
		f, rest, more := strings.Cut(line, " ")
		if fields < len(out) {
			out[fields] = f
		}
		fields++
		if !more {
			return fields, out[0], out[1], out[2]
		}
		line = rest
	}
}

// maxASCIIWords bounds the ASCII words Analyze looks for in a Latin
// chunk before it cuts the chunk itself; past it gse cuts them all.
const maxASCIIWords = 64

// noteASCII records a dictionary word made of ASCII alone.
func (s *Segmenter) noteASCII(word string) {
	if !asciiOnly(word) {
		return
	}
	s.asciiWords = append(s.asciiWords, word)
	if len(s.asciiWords) > maxASCIIWords {
		s.asciiUnknown = true
	}
}

// cutsASCII reports whether asciiCut gives gse's answer for part, an
// ASCII chunk: no dictionary word occurs in it.
func (s *Segmenter) cutsASCII(part string) bool {
	if s.asciiUnknown || !asciiOnly(part) {
		return false
	}
	for _, w := range s.asciiWords {
		if strings.Contains(part, w) {
			return false
		}
	}
	return true
}

// calcTokens makes sure gse's CalcToken has run, for gse's Segment.
func (s *Segmenter) calcTokens() {
	s.calcOnce.Do(func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.gse.CalcToken()
	})
}

var (
	sharedOnce sync.Once
	sharedSeg  *Segmenter
	sharedErr  error
)

// Shared returns the process-wide segmenter, loading it on first use: the
// one of every index opened without a segmenter of its own, and of the
// registered bleve analyzers unless a mapping defines them on another
// (AnalyzerConfig). It is the one global the package keeps: a dictionary
// costs hundreds of MiB and seconds to load, so it is loaded once and
// never per request.
func Shared() (*Segmenter, error) {
	sharedOnce.Do(func() { sharedSeg, sharedErr = NewSegmenter() })
	return sharedSeg, sharedErr
}

// CleanWord checks a dictionary entry and returns it in the form the
// segmenter stores: normalised, with DefaultFreq for a missing frequency.
// Errors wrap ErrBadWord.
func CleanWord(w Word) (Word, error) { return validWord(w) }

// validWord checks a word before it goes into the dictionary.
func validWord(w Word) (Word, error) {
	w.Word = Normalize(strings.TrimSpace(w.Word))
	if w.Word == "" || !utf8.ValidString(w.Word) {
		return w, fmt.Errorf("%w: empty or not UTF-8", ErrBadWord)
	}
	if utf8.RuneCountInString(w.Word) > 32 {
		return w, fmt.Errorf("%w: %q is longer than 32 characters", ErrBadWord, w.Word)
	}
	for _, r := range w.Word {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return w, fmt.Errorf("%w: %q contains a space or control character", ErrBadWord, w.Word)
		}
	}
	if w.Freq < 0 {
		return w, fmt.Errorf("%w: %q has a negative frequency", ErrBadWord, w.Word)
	}
	if w.Freq == 0 {
		w.Freq = DefaultFreq
	}
	return w, nil
}

// AddWords adds newsroom words to the dictionary. They take effect for every
// segmentation that starts after AddWords returns.
func (s *Segmenter) AddWords(words ...Word) error {
	clean := make([]Word, 0, len(words))
	for _, w := range words {
		c, err := validWord(w)
		if err != nil {
			return err
		}
		clean = append(clean, c)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, w := range clean {
		// gse's AddToken ignores a word it has; ReAddToken fails on one it
		// has not (a prefix of a longer word is found with frequency 0).
		add := s.gse.AddToken
		if freq, _, ok := s.gse.Find(w.Word); ok && freq > 0 {
			add = s.gse.ReAddToken
		}
		if err := add(w.Word, w.Freq, w.Pos); err != nil {
			return fmt.Errorf("adding %q: %w", w.Word, err)
		}
		s.noteASCII(w.Word)
		s.added = append(s.added, w)
		if s.newsroom == nil {
			s.newsroom = map[string]bool{}
		}
		s.newsroom[w.Word] = true
	}
	return nil
}

// Added lists the words added since the segmenter was loaded.
func (s *Segmenter) Added() []Word {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return append([]Word(nil), s.added...)
}

// Contains reports whether word is in the dictionary.
func (s *Segmenter) Contains(word string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	freq, _, ok := s.gse.Find(Normalize(word))
	return ok && freq > 0 // a prefix of a longer word is found with frequency 0
}

// ReadWords parses a newsroom dictionary: one `word [freq [pos]]` a line,
// blank lines and lines starting with # ignored. Errors name the line.
func ReadWords(r io.Reader, name string) ([]Word, error) {
	var words []Word
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		f := strings.Fields(text)
		w := Word{Word: f[0]}
		if len(f) > 1 {
			v, err := strconv.ParseFloat(f[1], 64)
			if err != nil || v < 0 {
				return nil, fmt.Errorf("%s:%d: frequency %q is not a non-negative number: %w", name, line, f[1], ErrBadWord)
			}
			w.Freq = v
		}
		if len(f) > 2 {
			w.Pos = f[2]
		}
		if len(f) > 3 {
			return nil, fmt.Errorf("%s:%d: want `word [freq [pos]]`, got %d fields: %w", name, line, len(f), ErrBadWord)
		}
		if _, err := validWord(w); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		words = append(words, w)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return words, nil
}

// ErrNotRegular reports a dictionary path that is not a regular file.
var ErrNotRegular = errors.New("not a regular file")

// OpenWordsFile opens a newsroom dictionary file, refusing anything but a
// regular file (a FIFO or a device would block the open or the read for
// ever, and hold up start-up). Errors name the file.
func OpenWordsFile(path string) (*os.File, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("dictionary: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("dictionary %s: %w (it is a %s): give a file of `word [freq [pos]]` lines", path, ErrNotRegular, fileKind(fi.Mode()))
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("dictionary: %w", err)
	}
	// replaced between the Stat and the open: look again at what is open
	if fi, err = f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("dictionary %s: %w", path, ErrNotRegular)
	}
	return f, nil
}

func fileKind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "directory"
	case m&os.ModeNamedPipe != 0:
		return "named pipe (FIFO)"
	case m&os.ModeSocket != 0:
		return "socket"
	case m&os.ModeDevice != 0:
		return "device"
	}
	return "special file"
}

// LoadWordsFile reads a newsroom dictionary file and adds its words.
func (s *Segmenter) LoadWordsFile(path string) (int, error) {
	f, err := OpenWordsFile(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	words, err := ReadWords(f, path)
	if err != nil {
		return 0, err
	}
	return len(words), s.AddWords(words...)
}
