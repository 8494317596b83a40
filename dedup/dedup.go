// Package dedup fingerprints article text for finding republished copies:
// MinHash over character shingles, with locality-sensitive hashing (LSH)
// bands that an index stores as keyword terms, so that an article's
// candidate copies are found by a term lookup and then scored by the
// similarity of their fingerprints.
//
// Why hand-written: no maintained Go MinHash library fits. The Go
// libraries for it (github.com/ekzhu/minhash-lsh, github.com/dgryski/go-minhash,
// github.com/mfonda/simhash) are unmaintained for years and keep their
// LSH tables in memory, while here the bands must be index terms. The
// method is short (Broder 1997; Leskovec, Rajaraman and Ullman, Mining of
// Massive Datasets, ch. 3) and the tests pin its behaviour.
//
// Text is folded to its letters and digits (lower case; punctuation and
// spaces dropped), so a copy that only changes punctuation, spacing or
// line breaks has the same shingles. A shingle is Shingle consecutive
// runes. Each of Hashes hash functions keeps its minimum over the
// shingles, as 16 bits (b-bit MinHash: two different minima agree by
// chance 1 time in 65,536, which changes an estimate by at most 0.00002).
// The fraction of agreeing minima estimates the Jaccard similarity of
// two texts' shingle sets (standard error ≤ 0.045 at 128 hashes).
package dedup

import (
	"encoding/binary"
	"errors"
	"strconv"
	"unicode"
)

// Parameters of the fingerprint. Changing one changes every fingerprint:
// an index stores them (its layout version must change with them).
const (
	// Shingle is the length of a shingle in runes. Five characters are
	// about two or three Chinese words: a formula repeated with other
	// names and numbers (a daily bulletin, a state visit) shares fewer
	// five-character shingles than three-character ones, while a copy
	// keeps them all.
	Shingle = 5
	// Hashes is the number of MinHash functions.
	Hashes = 128
	// Rows is the number of minima per LSH band; Bands = Hashes/Rows
	// (42: the last two minima are in no band). Two texts of similarity
	// s share a band with probability 1-(1-s^3)^42: 0.94 at s=0.4, 0.996
	// at s=0.5, 0.29 at s=0.2, 0.04 at s=0.1.
	Rows  = 3
	Bands = Hashes / Rows
)

// Fingerprint is a text's MinHash signature: the 16 low bits of each
// hash function's minimum over the text's shingles.
type Fingerprint struct {
	Sig [Hashes]uint16
	// Shingles is the number of distinct positions shingled (the
	// text's length in letters and digits, less Shingle-1); 0 means the
	// text had no letters or digits and the fingerprint matches nothing.
	Shingles int
}

// seeds are the multipliers and addends of the hash functions: fixed, so
// that fingerprints agree across processes and versions.
var mult, add = func() (m, a [Hashes]uint64) {
	s := uint64(0x5eed_d0b1_e5ca_1ab1)
	for i := range m {
		m[i] = splitmix(&s) | 1 // odd: multiplication permutes uint64
		a[i] = splitmix(&s)
	}
	return
}()

func splitmix(s *uint64) uint64 {
	*s += 0x9e3779b97f4a7c15
	z := *s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// fold appends the letters and digits of s, lower-cased, to dst.
func fold(dst []rune, s string) []rune {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			dst = append(dst, unicode.ToLower(r))
		}
	}
	return dst
}

// Of fingerprints the texts as one text (the order matters only at the
// joins). A text shorter than a shingle is one shingle.
func Of(texts ...string) Fingerprint {
	var rs []rune
	for _, t := range texts {
		rs = fold(rs, t)
	}
	var f Fingerprint
	if len(rs) == 0 {
		return f
	}
	n := max(len(rs)-Shingle+1, 1)
	k := min(Shingle, len(rs))
	var mins [Hashes]uint64
	for i := range mins {
		mins[i] = ^uint64(0)
	}
	for i := 0; i < n; i++ {
		h := uint64(14695981039346656037)
		for _, r := range rs[i : i+k] {
			h = (h ^ uint64(r)) * 1099511628211 // FNV-1a over runes
		}
		h ^= h >> 29 // the low bits of FNV are weak: spread the high ones
		for j := range mins {
			if v := h*mult[j] + add[j]; v < mins[j] {
				mins[j] = v
			}
		}
	}
	for j, m := range mins {
		f.Sig[j] = uint16(m >> 48) // the high bits of a multiply-add hash are its good ones
	}
	f.Shingles = n
	return f
}

// Empty reports whether the fingerprint is of a text without letters or
// digits.
func (f *Fingerprint) Empty() bool { return f.Shingles == 0 }

// Similarity estimates the Jaccard similarity of the two texts' shingle
// sets: the fraction of agreeing minima. Empty fingerprints are similar
// to nothing.
func (f *Fingerprint) Similarity(g *Fingerprint) float64 {
	if f.Empty() || g.Empty() {
		return 0
	}
	same := 0
	for i := range f.Sig {
		if f.Sig[i] == g.Sig[i] {
			same++
		}
	}
	return float64(same) / Hashes
}

// Containment estimates how much of the smaller text's shingles the
// other holds, |A∩B|/min(|A|,|B|), from the estimated Jaccard
// similarity and the texts' lengths: a copy with a paragraph cut or a
// line added holds nearly all of the other. Lengths count shingle
// positions, so a text repeating itself counts larger than its set.
func (f *Fingerprint) Containment(g *Fingerprint) float64 {
	j := f.Similarity(g)
	if j == 0 {
		return 0
	}
	inter := j * float64(f.Shingles+g.Shingles) / (1 + j)
	return min(1, inter/float64(min(f.Shingles, g.Shingles)))
}

// Bands are the fingerprint's LSH band keys, one a band: texts that
// share one are candidates. A key names its band, so equal minima in
// different bands do not collide. None when the fingerprint is empty.
func (f *Fingerprint) Bands() []string {
	if f.Empty() {
		return nil
	}
	out := make([]string, Bands)
	for b := range Bands {
		var v uint64
		for r := range Rows {
			v = v<<16 | uint64(f.Sig[b*Rows+r])
		}
		key := strconv.AppendInt(make([]byte, 0, 14), int64(b), 36)
		key = append(key, '.')
		key = strconv.AppendUint(key, v, 36)
		out[b] = string(key)
	}
	return out
}

// encodedLen is the length of MarshalBinary's output.
const encodedLen = 4 + 2*Hashes

// MarshalBinary encodes the fingerprint in 260 bytes: the shingle count
// and the minima, big-endian.
func (f *Fingerprint) MarshalBinary() ([]byte, error) {
	out := make([]byte, encodedLen)
	binary.BigEndian.PutUint32(out, uint32(min(f.Shingles, 1<<32-1)))
	for i, v := range f.Sig {
		binary.BigEndian.PutUint16(out[4+2*i:], v)
	}
	return out, nil
}

// ErrEncoding means bytes are not a fingerprint MarshalBinary wrote.
var ErrEncoding = errors.New("not an encoded fingerprint")

// UnmarshalBinary decodes what MarshalBinary wrote.
func (f *Fingerprint) UnmarshalBinary(b []byte) error {
	if len(b) != encodedLen {
		return ErrEncoding
	}
	f.Shingles = int(binary.BigEndian.Uint32(b))
	for i := range f.Sig {
		f.Sig[i] = binary.BigEndian.Uint16(b[4+2*i:])
	}
	return nil
}
