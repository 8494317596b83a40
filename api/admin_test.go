package api

import (
	"context"
	"net/http"
	"testing"

	"github.com/labstack/echo/v4"
)

type fakeSnapshots struct{ n int }

func (f *fakeSnapshots) Snapshot(context.Context) (*Snapshot, error) {
	f.n++
	return &Snapshot{Name: "s1", Path: "/backups/s1", Articles: 2, Paragraphs: 14}, nil
}

type busySnapshots struct{}

func (busySnapshots) Snapshot(context.Context) (*Snapshot, error) { return nil, ErrSnapshotRunning }

// TestSnapshotEndpoint: POST /v1/admin/snapshot runs behind the write
// middleware (auth), answers 201 with where the snapshot went, and 409
// no_data when the index lives in memory.
func TestSnapshotEndpoint(t *testing.T) {
	snaps := &fakeSnapshots{}
	deny := func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if c.Request().Header.Get("Authorization") != "Bearer ok" {
				return echo.NewHTTPError(http.StatusUnauthorized, "missing token")
			}
			return next(c)
		}
	}
	base, _ := writeServer(t, Config{Snapshots: snaps, WriteMiddleware: []echo.MiddlewareFunc{deny}})
	if a := do(t, "POST", base+"/v1/admin/snapshot", "", nil); a.status != 401 || snaps.n != 0 {
		t.Errorf("without the token: %d, %d snapshots", a.status, snaps.n)
	}
	req, _ := http.NewRequest("POST", base+"/v1/admin/snapshot", nil)
	req.Header.Set("Authorization", "Bearer ok")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 || snaps.n != 1 {
		t.Errorf("with the token: %d, %d snapshots", resp.StatusCode, snaps.n)
	}
	if a := do(t, "GET", base+"/v1/admin/snapshot", "", nil); a.status != 405 {
		t.Errorf("GET: %d", a.status)
	}

	base, _ = writeServer(t, Config{Snapshots: busySnapshots{}})
	a := do(t, "POST", base+"/v1/admin/snapshot", "", nil)
	if e, _ := a.body["error"].(map[string]any); a.status != 409 || e["code"] != "snapshot_running" || a.header.Get("Retry-After") == "" {
		t.Errorf("while one runs: %d %v %v", a.status, a.body, a.header)
	}

	base, _ = writeServer(t, Config{Snapshots: noSnapshots{}})
	a = do(t, "POST", base+"/v1/admin/snapshot", "", nil)
	if e, _ := a.body["error"].(map[string]any); a.status != 409 || e["code"] != "no_data" {
		t.Errorf("in memory: %d %v", a.status, a.body)
	}
}
