package api

import (
	"context"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/zhsearch/zhsearch/alert"
	"github.com/zhsearch/zhsearch/index"
	"github.com/zhsearch/zhsearch/synonym"
)

var echoParam = regexp.MustCompile(`:([A-Za-z_]+)`)

// TestOpenAPIDocumentsEveryRoute keeps the document and the router in
// step: every route is documented, and every documented operation exists.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI 3 document: %v", err)
	}
	// A real index, so that every optional interface the routes depend on
	// (writes, dictionary, analysis…) is there and every route registered.
	ix, err := index.Open(index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	syn, err := synonym.OpenStore(context.Background(), synonym.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	alerts, err := alert.Open(context.Background(), alert.Options{Index: ix, NoDeliver: true})
	if err != nil {
		t.Fatal(err)
	}
	defer alerts.Close()
	s := New(Config{Backend: ix, Store: ix, Synonyms: syn, Snapshots: noSnapshots{}, Alerts: alerts})
	routes := map[string]bool{}
	for _, r := range s.Routes() {
		if r[0] == http.MethodHead || r[0] == http.MethodOptions {
			continue
		}
		path := echoParam.ReplaceAllString(r[1], "{$1}")
		if strings.HasSuffix(path, "*") {
			continue // static files of the web page
		}
		routes[r[0]+" "+path] = true
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}
	var missing, extra []string
	for r := range routes {
		if !documented[r] {
			missing = append(missing, r)
		}
	}
	for d := range documented {
		if !routes[d] {
			extra = append(extra, d)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 {
		t.Errorf("routes missing from api/openapi.json: %v", missing)
	}
	if len(extra) > 0 {
		t.Errorf("documented operations with no route: %v", extra)
	}
}
