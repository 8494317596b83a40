package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/zhsearch/zhsearch/index"
)

// Error is the body of every error answer.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type errorBody struct {
	Error Error `json:"error"`
}

// apiError is an error with a status and a machine-readable code.
type apiError struct {
	status int
	code   string
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func badParam(name, msg string) error {
	return &apiError{http.StatusBadRequest, "invalid_parameter", name + ": " + msg}
}

// handleError is the one place errors become status codes.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, body := http.StatusInternalServerError, Error{Code: "internal", Message: "internal error"}
	var ae *apiError
	var he *echo.HTTPError
	switch {
	case errors.As(err, &ae):
		status, body = ae.status, Error{Code: ae.code, Message: ae.msg}
	case errors.Is(err, index.ErrInvalidQuery):
		status, body = http.StatusBadRequest, Error{Code: "invalid_query", Message: err.Error()}
	case errors.Is(err, index.ErrDiskFull):
		status, body = http.StatusInsufficientStorage, Error{Code: "insufficient_storage", Message: notStored(err)}
	case errors.Is(err, index.ErrPersist):
		status, body = http.StatusInternalServerError, Error{Code: "not_stored", Message: notStored(err)}
	case errors.Is(err, index.ErrUnavailable):
		// The replication log refused the write (no quorum): reads go on.
		c.Response().Header().Set("Retry-After", "5")
		status, body = http.StatusServiceUnavailable, Error{Code: "unavailable", Message: err.Error()}
	case errors.Is(err, index.ErrNotFound):
		status, body = http.StatusNotFound, Error{Code: "not_found", Message: err.Error()}
	case errors.Is(err, context.DeadlineExceeded):
		status, body = http.StatusServiceUnavailable, Error{Code: "timeout", Message: "the search took too long; narrow the query"}
	case errors.Is(err, context.Canceled):
		status, body = 499, Error{Code: "canceled", Message: "the request was canceled"}
	case errors.As(err, &he):
		status = he.Code
		body = Error{Code: codeForStatus(he.Code), Message: http.StatusText(he.Code)}
		if m, ok := he.Message.(string); ok && he.Code < 500 {
			body.Message = m
		}
	}
	if status >= 500 && status != http.StatusServiceUnavailable {
		s.cfg.Logger.Error("request failed", "method", c.Request().Method, "path", c.Path(), "err", err)
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	_ = c.JSON(status, errorBody{Error: body})
}

// notStored is the message of a write that could not be made durable:
// the index's reason (the disk is full, or the write was kept in memory
// only), without the batch's internals.
func notStored(err error) string {
	switch {
	case errors.Is(err, index.ErrDiskFull):
		return "the disk is full: nothing of this write was stored; free space on the server and send it again"
	}
	return "the write could not be made durable: nothing of it was stored; send it again later"
}

// notStoredCode is the error code of a write that could not be made
// durable.
func notStoredCode(err error) string {
	if errors.Is(err, index.ErrDiskFull) {
		return "insufficient_storage"
	}
	return "not_stored"
}

func codeForStatus(status int) string {
	switch status {
	case http.StatusNotFound:
		return "not_found"
	case http.StatusMethodNotAllowed:
		return "method_not_allowed"
	case http.StatusRequestEntityTooLarge:
		return "too_large"
	case http.StatusUnauthorized:
		return "unauthorized"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusTooManyRequests:
		return "too_many_requests"
	}
	if status < 500 {
		return "bad_request"
	}
	return "internal"
}
