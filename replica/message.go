package replica

import (
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/zhsearch/zhsearch/alert"
	"github.com/zhsearch/zhsearch/article"
	"github.com/zhsearch/zhsearch/index"
	"github.com/zhsearch/zhsearch/synonym"
	"github.com/zhsearch/zhsearch/tokenizer"
)

// Messages of the stream.
//
// Every write is one message per article (or per dictionary word), on a
// subject of its own: <prefix>.articles.<hex of the id> or
// <prefix>.words.<hex of the word>; the synonym list is one message
// holding the whole list, on <prefix>.synonyms (synonyms.go). Hex keeps any id a valid subject
// token (ids may hold dots, spaces or any Unicode). With the stream's
// MaxMsgsPerSubject of 1, JetStream keeps only the latest message of each
// subject: the current version of an article, or the delete that removed
// it, so the stream holds as many messages as articles ever written, not
// as many as writes.
//
// Headers say what a message is; the body is the article's JSON (put),
// empty (delete), or the word's JSON (words).
const (
	hdrOp  = "Zhsearch-Op"  // put, delete, word or synonyms
	hdrID  = "Zhsearch-Id"  // the article id of a delete
	hdrReq = "Zhsearch-Req" // the request that published it: node id / counter

	opPut    = "put"
	opDelete = "delete"
	opWord   = "word"
)

func articleSubject(prefix, id string) string {
	return prefix + ".articles." + hex.EncodeToString([]byte(id))
}

func wordSubject(prefix, word string) string {
	return prefix + ".words." + hex.EncodeToString([]byte(word))
}

// newMsg is a message of op on subject, published by request req; id,
// if set, names what a deletion removes.
func newMsg(subject, op, req, id string, body []byte) *nats.Msg {
	m := nats.NewMsg(subject)
	m.Header.Set(hdrOp, op)
	if id != "" {
		m.Header.Set(hdrID, id)
	}
	m.Header.Set(hdrReq, req)
	m.Data = body
	return m
}

// jsonMsg is newMsg with v as JSON for its body; what names v in an
// error.
func jsonMsg(subject, op, req, what string, v any) (*nats.Msg, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encoding %s: %w", what, err)
	}
	return newMsg(subject, op, req, "", body), nil
}

func putMsg(prefix, req string, a *article.Article) (*nats.Msg, error) {
	return jsonMsg(articleSubject(prefix, a.ID), opPut, req, fmt.Sprintf("article %q", a.ID), a)
}

func deleteMsg(prefix, req, id string) *nats.Msg {
	return newMsg(articleSubject(prefix, id), opDelete, req, id, nil)
}

func wordMsg(prefix, req string, w tokenizer.Word) (*nats.Msg, error) {
	return jsonMsg(wordSubject(prefix, w.Word), opWord, req, fmt.Sprintf("word %q", w.Word), w)
}

// entry is one decoded message of the stream.
type entry struct {
	seq   uint64
	req   string
	op    index.Op        // put or delete
	word  *tokenizer.Word // a dictionary word
	syn   []synonym.Rule  // a synonym list (isSyn)
	isSyn bool
	// an alert saved (alert) or deleted (unalert), with isAlert (alerts.go)
	alert   *alert.Created
	unalert string
	isAlert bool
	err     error // the message could not be decoded
}

// Kinds of entries, applied in runs of one kind.
const (
	kindOp = iota
	kindWord
	kindSynonyms
	kindAlert
)

func (e entry) kind() int {
	switch {
	case e.isSyn:
		return kindSynonyms
	case e.isAlert:
		return kindAlert
	case e.word != nil:
		return kindWord
	}
	return kindOp
}

func decode(m jetstream.Msg) (entry, error) {
	md, err := m.Metadata()
	if err != nil {
		return entry{}, fmt.Errorf("reading message metadata: %w", err)
	}
	e := entry{seq: md.Sequence.Stream, req: m.Headers().Get(hdrReq)}
	switch op := m.Headers().Get(hdrOp); op {
	case opPut:
		var a article.Article
		if err := json.Unmarshal(m.Data(), &a); err != nil {
			e.err = fmt.Errorf("message %d: decoding article: %w", e.seq, err)
			break
		}
		e.op.Put = &a
	case opDelete:
		e.op.Delete = m.Headers().Get(hdrID)
		if e.op.Delete == "" {
			e.err = fmt.Errorf("message %d: a delete without %s", e.seq, hdrID)
		}
	case opWord:
		var w tokenizer.Word
		if err := json.Unmarshal(m.Data(), &w); err != nil {
			e.err = fmt.Errorf("message %d: decoding word: %w", e.seq, err)
			break
		}
		e.word = &w
	case opSynonyms:
		e.isSyn = true
		rules, err := decodeRules(m.Data())
		if err != nil {
			e.err = fmt.Errorf("message %d: decoding the synonym list: %w", e.seq, err)
			break
		}
		e.syn = rules
	case opAlert, opUnalert:
		decodeAlert(&e, op, m)
	default:
		e.err = fmt.Errorf("message %d on %s: unknown %s %q", e.seq, m.Subject(), hdrOp, op)
	}
	return e, nil
}
