package index

import zapx "github.com/blevesearch/zapx/v17"

// The buffer of a new segment.
//
// zapx sizes the buffer of each new in-memory segment from the previous
// segment's bytes per document times the batch's documents plus
// NewSegmentBufferNumResultsBump, 100 by default: a write of one article
// allocates and zeroes the room of 101 articles (1-3 MB for an xwlb
// article) to build a segment of one. With 4 writers publishing single
// articles while 8 clients searched all of xwlb, growing those buffers
// was 5 % of the server's CPU, and the garbage it left was collected
// beside the searches. Without the bump the estimate is the batch's own
// size: a segment that turns out larger grows its buffer once, as any
// bytes.Buffer does. It is a setting of zapx's (a package variable, like
// bleve's registries), set once before any index opens.
func init() {
	zapx.NewSegmentBufferNumResultsBump = 0
}
