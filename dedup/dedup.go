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
// runes. The signature is one-permutation MinHash (Li, Owen and Zhang,
// 2012): one hash of each shingle picks one of Hashes bins and the bin
// keeps its least hash, so a text costs one hash a shingle rather than
// Hashes; a bin no shingle fell in borrows from the next bin that has
// one (densification, Shrivastava and Li, 2014), so that short texts
// compare too. Each bin's minimum is kept as 16 bits (b-bit MinHash: two
// different minima agree by chance 1 time in 65,536). The fraction of
// agreeing bins estimates the Jaccard similarity of two texts' shingle
// sets (standard error ≤ 0.045 at 128 bins).
package dedup

import (
	"encoding/binary"
	"errors"
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
	// Hashes is the number of bins of the signature (a power of two:
	// binBits picks them).
	Hashes = 128
	// Rows is the number of minima per LSH band. Two texts of
	// similarity s share one of Bands bands with probability
	// 1-(1-s^3)^26: 0.82 at s=0.4, 0.97 at s=0.5, 0.996 at s=0.6, and
	// 0.19 at s=0.2, 0.03 at s=0.1. 26 bands use 78 of the minima: each
	// band is a term an index writes, and the writes' cost grows with
	// them (docs/duplicates.md), while all 128 estimate the similarity.
	Rows  = 3
	Bands = 26
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

// mix is splitmix64's finaliser: every bit of x moves every bit of the
// result, which a polynomial hash's low bits need before they pick a bin.
func mix(x uint64) uint64 {
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// binBits is log2(Hashes): the bits of a shingle's hash that pick its bin.
const binBits = 7

// fold appends the letters and digits of s, lower-cased, to dst.
func fold(dst []rune, s string) []rune {
	for _, r := range s {
		switch {
		case r >= 0x4e00 && r <= 0x9fff: // CJK unified ideographs: most of the text
			dst = append(dst, r)
		case r < 0x80:
			if r >= 'A' && r <= 'Z' {
				r += 'a' - 'A'
			}
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
				dst = append(dst, r)
			}
		case unicode.IsLetter(r) || unicode.IsDigit(r):
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
	var filled [Hashes]bool
	// The shingle at i hashes as a polynomial of its runes, rolled from
	// the one before it: h = r[i]·P^(k-1) + … + r[i+k-1].
	const P = 0x100000001b3
	top := uint64(1) // P^(k-1)
	var h uint64
	for j, r := range rs[:k] {
		h = h*P + uint64(r)
		if j > 0 {
			top *= P
		}
	}
	for i := 0; i < n; i++ {
		if i > 0 {
			h = (h-uint64(rs[i-1])*top)*P + uint64(rs[i+k-1])
		}
		hm := mix(h)
		bin, v := hm>>(64-binBits), hm<<binBits
		if !filled[bin] || v < mins[bin] {
			mins[bin], filled[bin] = v, true
		}
	}
	for j := range mins {
		v := mins[j]
		if !filled[j] { // borrow from the next filled bin, marked with the distance
			for t := 1; ; t++ {
				if src := (j + t) % Hashes; filled[src] {
					v = mix(mins[src] + uint64(t))
					break
				}
			}
		}
		f.Sig[j] = uint16(v >> 48)
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
// share one are candidates. A key is five bytes: the band's number, so
// that equal minima in different bands do not collide, and 32 bits mixed
// from its minima (two bands of different minima agree by chance 1 time
// in 4 billion). Short keys keep an index's term dictionary small. None
// when the fingerprint is empty.
func (f *Fingerprint) Bands() []string {
	if f.Empty() {
		return nil
	}
	out := make([]string, Bands)
	var key [5]byte
	for b := range Bands {
		var v uint64
		for r := range Rows {
			v = v<<16 | uint64(f.Sig[b*Rows+r])
		}
		key[0] = byte(b)
		binary.BigEndian.PutUint32(key[1:], uint32((v*0x9e3779b97f4a7c15)>>32))
		out[b] = string(key[:])
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
