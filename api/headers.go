package api

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
)

// DefaultMaxHeaderBytes bounds a request's line and headers when the
// Config sets no bound.
const DefaultMaxHeaderBytes = 64 << 10

// TransportHeaderBytes is the http.Server's MaxHeaderBytes to pair with
// this package's limit: net/http answers headers past its own limit by
// itself, in plain text, before the API sees the request. Set above
// MaxHeaderBytes, it lets headerLimit answer in the API's JSON shape;
// past it (1 MiB) net/http still cuts the request off.
const TransportHeaderBytes = 1 << 20

// headerLimit refuses a request whose line and headers pass the limit
// with 431 and the JSON error shape.
func (s *Server) headerLimit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if n := headerBytes(c.Request()); n > s.cfg.MaxHeaderBytes {
			return &apiError{http.StatusRequestHeaderFieldsTooLarge, "headers_too_large",
				"the request line and headers take " + strconv.Itoa(n) + " bytes; the limit is " + strconv.Itoa(s.cfg.MaxHeaderBytes)}
		}
		return next(c)
	}
}

// headerBytes is about what the request's line and headers took on the
// wire: what net/http counts against its MaxHeaderBytes.
func headerBytes(r *http.Request) int {
	n := len(r.Method) + len(r.RequestURI) + len(r.Proto) + 4
	n += len("Host: ") + len(r.Host) + 2
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 4 // "k: v\r\n"
		}
	}
	return n
}
