package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// apiCase is one request whose answer must match the OpenAPI document.
type apiCase struct {
	method, path, auth string
	body               string
	status             int
}

// checkOpenAPI fetches /openapi.json from the running server, sends every
// case and validates each answer (status, headers, body) against the
// document; then it checks that every documented operation was seen to
// succeed at least once.
func checkOpenAPI(t *testing.T, base string, cases []apiCase, contentType ...string) {
	t.Helper()
	status, _, raw := call(t, "GET", base+"/openapi.json", "", nil)
	if status != 200 {
		t.Fatalf("GET /openapi.json: %d", status)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("invalid OpenAPI document: %v", err)
	}
	doc.Servers = openapi3.Servers{{URL: base}}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	succeeded := map[string]bool{}
	for _, tc := range cases {
		name := tc.method + " " + tc.path
		t.Run(name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, base+tc.path, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.body != "" {
				switch {
				case len(contentType) > 0:
					req.Header.Set("Content-Type", contentType[0])
				case strings.HasPrefix(tc.path, "/v1/pages"):
					req.Header.Set("Content-Type", "text/markdown; charset=utf-8")
				default:
					req.Header.Set("Content-Type", "application/json")
				}
			}
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			route, params, err := router.FindRoute(req)
			if err != nil {
				t.Fatalf("not in the document: %v", err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var body []byte
			stream := strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream")
			if stream { // it does not end: read its first event (the prelude), then hang up
				body, _ = bufio.NewReader(resp.Body).ReadBytes('\n')
			} else {
				body, _ = io.ReadAll(resp.Body)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			in := &openapi3filter.ResponseValidationInput{
				RequestValidationInput: &openapi3filter.RequestValidationInput{
					Request: req, PathParams: params, Route: route,
					Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
				},
				Status:  resp.StatusCode,
				Header:  resp.Header,
				Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true, ExcludeResponseBody: stream},
			}
			in.SetBodyBytes(body)
			if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
				t.Errorf("answer does not match the document: %v\n%s", err, clip(body))
			}
			if resp.StatusCode < 300 {
				succeeded[opKey(route)] = true
			}
		})
	}
	if len(contentType) > 0 {
		return // a partial run: coverage is checked by the full one
	}
	var missed []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if !succeeded[method+" "+path] {
				missed = append(missed, method+" "+path)
			}
		}
	}
	sort.Strings(missed)
	if len(missed) > 0 {
		t.Errorf("documented operations never answered 2xx in this test: %v", missed)
	}
}

func opKey(r *routers.Route) string { return r.Method + " " + r.Path }

func clip(b []byte) []byte {
	if len(b) > 600 {
		return append(bytes.Clone(b[:600]), "…"...)
	}
	return b
}

// The export's file formats have no decoder in kin-openapi: an NDJSON
// answer must be one JSON value a line, a CSV one start with the BOM;
// both are then checked as the string the document declares.
func init() {
	openapi3filter.RegisterBodyDecoder("application/x-ndjson", func(r io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
		b, err := io.ReadAll(r)
		if err != nil {
			return nil, err
		}
		for i, line := range bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n")) {
			if !json.Valid(line) {
				return nil, fmt.Errorf("NDJSON line %d is not JSON: %s", i+1, clip(line))
			}
		}
		return string(b), nil
	})
	openapi3filter.RegisterBodyDecoder("text/csv", func(r io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
		b, err := io.ReadAll(r)
		if err != nil {
			return nil, err
		}
		if !bytes.HasPrefix(b, []byte("\uFEFF")) {
			return nil, fmt.Errorf("CSV without a BOM")
		}
		return string(b), nil
	})
}
